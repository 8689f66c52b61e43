using System.Buffers.Binary;
using Overlay.Attest.Ima;

namespace Overlay.Attest.Handshake;

/// <summary>
/// Byte offsets of the entries of a binary_runtime_measurements list, found by walking its length fields with the
/// bounds <see cref="MeasurementList"/> applies, without materialising entries: a delta after entry n is then
/// <c>binary[offsets[n]..]</c>.
/// </summary>
internal static class MeasurementListIndex
{
    private const int FixedHeader = 4 + 20 + 4;

    /// <summary>Offsets of entries 0..n-1 followed by the list's length (n + 1 values); null when malformed.</summary>
    public static int[]? EntryOffsets(ReadOnlySpan<byte> binary)
    {
        var offsets = new List<int>();
        var offset = 0;
        while (offset < binary.Length)
        {
            offsets.Add(offset);
            var rest = binary[offset..];
            if (rest.Length < FixedHeader + 4)
            {
                return null;
            }

            var nameLength = BinaryPrimitives.ReadUInt32LittleEndian(rest[24..]);
            if (nameLength is 0 or > MeasurementList.MaxTemplateNameLength || rest.Length < FixedHeader + nameLength + 4)
            {
                return null;
            }

            var dataLength = BinaryPrimitives.ReadUInt32LittleEndian(rest[(FixedHeader + (int)nameLength)..]);
            var header = FixedHeader + (int)nameLength + 4;
            if (dataLength > MeasurementList.MaxTemplateDataLength || rest.Length - header < dataLength)
            {
                return null;
            }

            offset += header + (int)dataLength;
        }

        offsets.Add(offset);
        return offsets.ToArray();
    }
}
