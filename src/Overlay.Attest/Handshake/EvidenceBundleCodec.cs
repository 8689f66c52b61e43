using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Overlay.Attest.Quote;

namespace Overlay.Attest.Handshake;

/// <summary>
/// Binary encoding of an <see cref="EvidenceBundle"/> (docs/attestation.md "Bundle"), big-endian:
/// <code>
/// "TVDH" | u16 version = 1 | u16 section_count | section*
/// section = u16 tag | u32 length | body
///
/// tag  body                                                                     occurs
/// 1    host id, UTF-8, 1..255 bytes                                             once
/// 2    K_e: DER SubjectPublicKeyInfo (ECDSA P-256), ≤ 256 bytes                 once
/// 3    the verifier's challenge, 32 bytes                                       once
/// 4    inclusion proof: u32 leaf_index | u32 tree_size | root[32] | u8 n | n×32  once
/// 5    the quote as TVD evidence ("TVDE", EvidenceCodec) without lists          once
/// 6    flags: u8, bit 0 = software TPM (self-declared), other bits zero         once
/// 7    measurement list: u8 source | u8 codec (0 none, 1 Brotli) | u32 base     one per source, ≤ 8
///        | list bytes (binary_runtime_measurements from entry `base` on)
/// </code>
/// An unknown tag below 0x8000 is skipped; at or above 0x8000 it is critical and the bundle is refused. Decoding
/// bounds everything by the bytes present and the limits in <see cref="HandshakeConstants"/>; lists decompress
/// under <see cref="HandshakeConstants.MaxListBytes"/> in total. Errors are messages, never exceptions.
/// </summary>
public static class EvidenceBundleCodec
{
    public const ushort Version = 1;

    private const ushort TagHost = 1, TagKey = 2, TagChallenge = 3, TagProof = 4, TagQuote = 5, TagFlags = 6, TagList = 7;
    private const ushort CriticalBit = 0x8000;
    private const byte FlagSoftwareTpm = 0x01;
    private const int HeaderLength = 8, SectionHeaderLength = 6, ListHeaderLength = 6;

    private static ReadOnlySpan<byte> Magic => "TVDH"u8;

    /// <summary>A list already compressed (the attester caches these per quote).</summary>
    internal readonly record struct EncodedList(MeasurementSource Source, int Base, ListCodec Codec, byte[] Bytes);

    /// <summary>Encodes a bundle, compressing each list with <paramref name="codec"/>.</summary>
    public static byte[] Encode(EvidenceBundle bundle, ListCodec codec = ListCodec.Brotli) =>
        Encode(bundle.HostId, bundle.EphemeralKey, bundle.Challenge, bundle.Proof, EvidenceCodec.Encode(bundle.Quote), bundle.SoftwareTpm,
            bundle.Lists.Select(l => new EncodedList(l.Source, l.Base, codec, ListCompression.Compress(l.Binary.Span, codec))).ToArray());

    internal static byte[] Encode(string hostId, ReadOnlySpan<byte> key, ReadOnlySpan<byte> challenge, MerkleProof proof, ReadOnlySpan<byte> quote,
        bool softwareTpm, IReadOnlyList<EncodedList> lists)
    {
        var host = Encoding.UTF8.GetBytes(hostId);
        var output = new ArrayBufferWriter<byte>(HeaderLength + host.Length + key.Length + quote.Length + lists.Sum(l => l.Bytes.Length) + 512);
        output.Write(Magic);
        WriteU16(output, Version);
        WriteU16(output, (ushort)(6 + lists.Count));
        WriteSection(output, TagHost, host);
        WriteSection(output, TagKey, key);
        WriteSection(output, TagChallenge, challenge);
        var proofBytes = new byte[proof.EncodedLength];
        proof.Write(proofBytes);
        WriteSection(output, TagProof, proofBytes);
        WriteSection(output, TagQuote, quote);
        WriteSection(output, TagFlags, [softwareTpm ? FlagSoftwareTpm : (byte)0]);
        foreach (var list in lists)
        {
            WriteU16(output, TagList);
            WriteU32(output, (uint)(ListHeaderLength + list.Bytes.Length));
            output.Write([(byte)list.Source, (byte)list.Codec]);
            WriteU32(output, (uint)list.Base);
            output.Write(list.Bytes);
        }

        return output.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Decodes a bundle. Allocation is bounded by the input (copies of its parts) plus, for the lists, about twice
    /// <see cref="HandshakeConstants.MaxListBytes"/> in the worst case (a decompression bomb stops there).
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> data, out EvidenceBundle bundle, out string error)
    {
        bundle = null!;
        if (!TryReadHeader(data, out var count, out error))
        {
            return false;
        }

        var parts = new Parts();
        var offset = HeaderLength;
        for (var i = 0; i < count; i++)
        {
            if (data.Length - offset < SectionHeaderLength)
            {
                error = $"section {i} header truncated at byte {offset}";
                return false;
            }

            var tag = BinaryPrimitives.ReadUInt16BigEndian(data[offset..]);
            var length = BinaryPrimitives.ReadUInt32BigEndian(data[(offset + 2)..]);
            offset += SectionHeaderLength;
            if (length > data.Length - offset)
            {
                error = $"section {i} (tag {tag}) claims {length} bytes, {data.Length - offset} remain";
                return false;
            }

            if (!parts.TryAdd(tag, data.Slice(offset, (int)length), out error))
            {
                return false;
            }

            offset += (int)length;
        }

        if (offset != data.Length)
        {
            error = $"{data.Length - offset} bytes after the last section";
            return false;
        }

        return parts.TryBuild(out bundle, out error);
    }

    private static bool TryReadHeader(ReadOnlySpan<byte> data, out int count, out string error)
    {
        count = 0;
        if (data.Length < HeaderLength || !data[..4].SequenceEqual(Magic))
        {
            error = "not an evidence bundle (missing \"TVDH\" magic)";
            return false;
        }

        if (data.Length > HandshakeConstants.MaxBundleLength)
        {
            error = $"bundle of {data.Length} bytes exceeds the {HandshakeConstants.MaxBundleLength}-byte limit";
            return false;
        }

        var version = BinaryPrimitives.ReadUInt16BigEndian(data[4..]);
        if (version != Version)
        {
            error = $"bundle version {version} is not supported (this build reads version {Version})";
            return false;
        }

        count = BinaryPrimitives.ReadUInt16BigEndian(data[6..]);
        error = string.Empty;
        return true;
    }

    private static void WriteSection(ArrayBufferWriter<byte> output, ushort tag, ReadOnlySpan<byte> body)
    {
        WriteU16(output, tag);
        WriteU32(output, (uint)body.Length);
        output.Write(body);
    }

    private static void WriteU16(ArrayBufferWriter<byte> output, ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(output.GetSpan(2), value);
        output.Advance(2);
    }

    private static void WriteU32(ArrayBufferWriter<byte> output, uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(output.GetSpan(4), value);
        output.Advance(4);
    }

    /// <summary>The sections seen so far, each checked against its bounds as it arrives.</summary>
    private sealed class Parts
    {
        private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

        private readonly List<BundleList> _lists = [];
        private string? _host;
        private byte[]? _key, _challenge;
        private MerkleProof? _proof;
        private Evidence? _quote;
        private bool? _software;
        private int _listBudget = HandshakeConstants.MaxListBytes;

        public bool TryAdd(ushort tag, ReadOnlySpan<byte> body, out string error)
        {
            error = string.Empty;
            switch (tag)
            {
                case TagHost when _host is null: return TryHost(body, out error);
                case TagKey when _key is null: return TryBounded(body, HandshakeConstants.MaxEphemeralKeyLength, "K_e public key", out _key, out error);
                case TagChallenge when _challenge is null: return TryChallenge(body, out error);
                case TagProof when _proof is null: return MerkleProof.TryRead(body, out _proof, out error);
                case TagQuote when _quote is null: return TryQuote(body, out error);
                case TagFlags when _software is null: return TryFlags(body, out error);
                case TagList: return TryList(body, out error);
                case TagHost or TagKey or TagChallenge or TagProof or TagQuote or TagFlags:
                    error = $"section tag {tag} appears twice";
                    return false;
                case >= CriticalBit:
                    error = $"unknown critical section tag 0x{tag:x4}";
                    return false;
                default:
                    return true;
            }
        }

        public bool TryBuild(out EvidenceBundle bundle, out string error)
        {
            bundle = null!;
            if (_host is null || _key is null || _challenge is null || _proof is null || _quote is null || _software is null)
            {
                error = "bundle lacks one of: host id, K_e, challenge, inclusion proof, quote, flags";
                return false;
            }

            bundle = new EvidenceBundle
            {
                HostId = _host,
                EphemeralKey = _key,
                Challenge = _challenge,
                Proof = _proof,
                Quote = _quote,
                SoftwareTpm = _software.Value,
                Lists = _lists,
            };
            error = string.Empty;
            return true;
        }

        private bool TryHost(ReadOnlySpan<byte> body, out string error)
        {
            if (body.Length is 0 or > HandshakeConstants.MaxHostIdLength)
            {
                error = $"host id of {body.Length} bytes (1..{HandshakeConstants.MaxHostIdLength})";
                return false;
            }

            try
            {
                _host = StrictUtf8.GetString(body);
            }
            catch (ArgumentException)
            {
                error = "host id is not valid UTF-8";
                return false;
            }

            error = string.Empty;
            return true;
        }

        private static bool TryBounded(ReadOnlySpan<byte> body, int max, string what, out byte[]? value, out string error)
        {
            value = null;
            if (body.Length is 0 || body.Length > max)
            {
                error = $"{what} of {body.Length} bytes (1..{max})";
                return false;
            }

            value = body.ToArray();
            error = string.Empty;
            return true;
        }

        private bool TryChallenge(ReadOnlySpan<byte> body, out string error)
        {
            if (body.Length != HandshakeConstants.ChallengeSize)
            {
                error = $"challenge of {body.Length} bytes, not {HandshakeConstants.ChallengeSize}";
                return false;
            }

            _challenge = body.ToArray();
            error = string.Empty;
            return true;
        }

        private bool TryQuote(ReadOnlySpan<byte> body, out string error)
        {
            if (!EvidenceCodec.TryDecode(body, out var quote, out var inner))
            {
                error = $"quote section: {inner}";
                return false;
            }

            if (quote.Logs.Count > 0)
            {
                error = "quote section carries measurement lists (they belong in list sections)";
                return false;
            }

            _quote = quote;
            error = string.Empty;
            return true;
        }

        private bool TryFlags(ReadOnlySpan<byte> body, out string error)
        {
            if (body.Length != 1 || (body[0] & ~FlagSoftwareTpm) != 0)
            {
                error = "flags section is not one byte with only known bits";
                return false;
            }

            _software = (body[0] & FlagSoftwareTpm) != 0;
            error = string.Empty;
            return true;
        }

        private bool TryList(ReadOnlySpan<byte> body, out string error)
        {
            if (body.Length < ListHeaderLength || !Enum.IsDefined((MeasurementSource)body[0]) || !Enum.IsDefined((ListCodec)body[1]))
            {
                error = "measurement-list section too short, or with an unknown source or codec";
                return false;
            }

            var source = (MeasurementSource)body[0];
            var listBase = BinaryPrimitives.ReadUInt32BigEndian(body[2..]);
            if (_lists.Count >= HandshakeConstants.MaxLists || _lists.Any(l => l.Source == source) || listBase > int.MaxValue)
            {
                error = $"measurement list for {source} repeated, beyond {HandshakeConstants.MaxLists} lists, or with base {listBase}";
                return false;
            }

            if (!ListCompression.TryDecompress(body[ListHeaderLength..], (ListCodec)body[1], _listBudget, out var raw, out var inner))
            {
                error = $"{source} measurement list: {inner}";
                return false;
            }

            _listBudget -= raw.Length;
            _lists.Add(new BundleList(source, (int)listBase, raw));
            error = string.Empty;
            return true;
        }
    }
}
