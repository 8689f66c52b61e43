using System.Buffers.Binary;
using Overlay.Attest.Quote;

namespace Overlay.Attest.Handshake;

/// <summary>
/// What a verifier already holds of an attester's measurement lists: for one boot (the TPM's reset and restart
/// counts), how many entries of each list it has replayed. It travels from the verifier to the attester with the
/// challenge, so the attester can send only the entries after those counts. Wire form (big-endian):
/// <code>
/// u32 reset_count | u32 restart_count | u8 n (≤ 8) | n × (u8 source | u32 entry_count)
/// </code>
/// </summary>
public sealed record ListCheckpoint(uint ResetCount, uint RestartCount, IReadOnlyDictionary<MeasurementSource, int> Counts)
{
    private const int Fixed = 9, PerList = 5;

    public byte[] Encode()
    {
        var output = new byte[Fixed + PerList * Counts.Count];
        BinaryPrimitives.WriteUInt32BigEndian(output, ResetCount);
        BinaryPrimitives.WriteUInt32BigEndian(output.AsSpan(4), RestartCount);
        output[8] = (byte)Counts.Count;
        var offset = Fixed;
        foreach (var (source, count) in Counts.OrderBy(c => c.Key))
        {
            output[offset] = (byte)source;
            BinaryPrimitives.WriteUInt32BigEndian(output.AsSpan(offset + 1), (uint)count);
            offset += PerList;
        }

        return output;
    }

    /// <summary>Reads the wire form, which must fill <paramref name="data"/> exactly; the count is checked before any allocation.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> data, out ListCheckpoint checkpoint, out string error)
    {
        checkpoint = null!;
        if (data.Length < Fixed || data[8] > HandshakeConstants.MaxLists || data.Length != Fixed + PerList * data[8])
        {
            error = $"list checkpoint of {data.Length} bytes is not 9 + 5 × n bytes with n ≤ {HandshakeConstants.MaxLists}";
            return false;
        }

        var counts = new Dictionary<MeasurementSource, int>(data[8]);
        for (var offset = Fixed; offset < data.Length; offset += PerList)
        {
            var source = (MeasurementSource)data[offset];
            var count = BinaryPrimitives.ReadUInt32BigEndian(data[(offset + 1)..]);
            if (!Enum.IsDefined(source) || count > int.MaxValue || !counts.TryAdd(source, (int)count))
            {
                error = $"list checkpoint entry at byte {offset}: unknown or repeated source {(byte)source}, or count {count}";
                return false;
            }
        }

        checkpoint = new ListCheckpoint(BinaryPrimitives.ReadUInt32BigEndian(data), BinaryPrimitives.ReadUInt32BigEndian(data[4..]), counts);
        error = string.Empty;
        return true;
    }
}
