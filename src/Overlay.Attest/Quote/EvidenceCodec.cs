using System.Buffers.Binary;

namespace Overlay.Attest.Quote;

/// <summary>
/// Versioned binary encoding of <see cref="Evidence"/> (docs/attestation.md "Evidence encoding"):
/// <code>
/// "TVDE" | u16 version (1) | u16 section count | section*
/// section = u16 tag | u32 length | bytes           (big-endian, like the TPM structures inside)
/// tags: 1 TPMS_ATTEST, 2 TPMT_SIGNATURE, 3 TPM2B_PUBLIC (AK), 4 PCR values, 5 measurement list (u8 source | bytes),
///       6 AK certificate (DER)
/// </code>
/// Tags 1-4 appear exactly once. An unknown tag below 0x8000 is skipped (room for additions); an unknown tag at
/// or above 0x8000 is critical and rejects the evidence.
/// </summary>
public static class EvidenceCodec
{
    public const ushort Version = 1;
    public const int MaxEncodedLength = 32 << 20;

    private static ReadOnlySpan<byte> Magic => "TVDE"u8;

    private const ushort TagAttest = 1, TagSignature = 2, TagAkPublic = 3, TagPcrValues = 4, TagLog = 5, TagAkCert = 6;
    private const ushort CriticalBit = 0x8000;

    public static byte[] Encode(Evidence evidence)
    {
        var sections = new List<(ushort Tag, byte[] Body)>
        {
            (TagAttest, evidence.Attest),
            (TagSignature, evidence.Signature),
            (TagAkPublic, evidence.AkPublic),
            (TagPcrValues, evidence.PcrValues),
        };
        foreach (var log in evidence.Logs)
        {
            var body = new byte[1 + log.Binary.Length];
            body[0] = (byte)log.Source;
            log.Binary.CopyTo(body, 1);
            sections.Add((TagLog, body));
        }

        if (evidence.AkCertificate is { } cert)
        {
            sections.Add((TagAkCert, cert));
        }

        var output = new byte[8 + sections.Sum(s => 6 + s.Body.Length)];
        Magic.CopyTo(output);
        BinaryPrimitives.WriteUInt16BigEndian(output.AsSpan(4), Version);
        BinaryPrimitives.WriteUInt16BigEndian(output.AsSpan(6), (ushort)sections.Count);
        var offset = 8;
        foreach (var (tag, body) in sections)
        {
            BinaryPrimitives.WriteUInt16BigEndian(output.AsSpan(offset), tag);
            BinaryPrimitives.WriteUInt32BigEndian(output.AsSpan(offset + 2), (uint)body.Length);
            body.CopyTo(output, offset + 6);
            offset += 6 + body.Length;
        }

        return output;
    }

    public static bool TryDecode(ReadOnlySpan<byte> data, out Evidence evidence, out string error)
    {
        evidence = null!;
        if (data.Length < 8 || !data[..4].SequenceEqual(Magic))
        {
            error = "not TVD evidence (missing \"TVDE\" magic)";
            return false;
        }

        if (data.Length > MaxEncodedLength)
        {
            error = $"evidence of {data.Length} bytes exceeds the {MaxEncodedLength}-byte limit";
            return false;
        }

        var version = BinaryPrimitives.ReadUInt16BigEndian(data[4..]);
        if (version != Version)
        {
            error = $"evidence version {version} is not supported (this build reads version {Version})";
            return false;
        }

        var count = BinaryPrimitives.ReadUInt16BigEndian(data[6..]);
        byte[]? attest = null, signature = null, ak = null, pcrs = null, cert = null;
        var logs = new List<EvidenceLog>();
        var offset = 8;
        for (var i = 0; i < count; i++)
        {
            if (data.Length - offset < 6)
            {
                error = $"section {i} header truncated at byte {offset}";
                return false;
            }

            var tag = BinaryPrimitives.ReadUInt16BigEndian(data[offset..]);
            var length = BinaryPrimitives.ReadUInt32BigEndian(data[(offset + 2)..]);
            offset += 6;
            if (length > data.Length - offset)
            {
                error = $"section {i} (tag {tag}) claims {length} bytes, {data.Length - offset} remain";
                return false;
            }

            var body = data.Slice(offset, (int)length);
            offset += (int)length;
            switch (tag)
            {
                case TagAttest when attest is null: attest = body.ToArray(); break;
                case TagSignature when signature is null: signature = body.ToArray(); break;
                case TagAkPublic when ak is null: ak = body.ToArray(); break;
                case TagPcrValues when pcrs is null: pcrs = body.ToArray(); break;
                case TagAkCert when cert is null: cert = body.ToArray(); break;
                case TagLog when body.Length >= 1 && Enum.IsDefined((MeasurementSource)body[0]):
                    logs.Add(new EvidenceLog((MeasurementSource)body[0], body[1..].ToArray()));
                    break;
                case TagAttest or TagSignature or TagAkPublic or TagPcrValues or TagAkCert:
                    error = $"section tag {tag} appears twice";
                    return false;
                case TagLog:
                    error = "measurement-list section with an unknown source";
                    return false;
                default:
                    if ((tag & CriticalBit) != 0)
                    {
                        error = $"unknown critical section tag 0x{tag:x4}";
                        return false;
                    }

                    break;
            }
        }

        if (offset != data.Length)
        {
            error = $"{data.Length - offset} bytes after the last section";
            return false;
        }

        if (attest is null || signature is null || ak is null || pcrs is null)
        {
            error = "evidence lacks one of: quote, signature, AK public, PCR values";
            return false;
        }

        evidence = new Evidence { Attest = attest, Signature = signature, AkPublic = ak, PcrValues = pcrs, Logs = logs, AkCertificate = cert };
        error = string.Empty;
        return true;
    }
}
