using System.Buffers.Binary;
using System.Text;

namespace Overlay.Attest.Ima;

/// <summary>
/// A measurement list in the byte layout of /sys/kernel/security/ima/binary_runtime_measurements (see
/// <see cref="ImaNgEntry"/>). Parsing reports the first malformed entry instead of throwing.
/// </summary>
public sealed class MeasurementList
{
    /// <summary>TCG_EVENT_NAME_LEN_MAX in the kernel: a template name is at most this long.</summary>
    public const int MaxTemplateNameLength = 255;

    /// <summary>Upper bound on one entry's template data; ima-buf entries are the largest seen in practice.</summary>
    public const int MaxTemplateDataLength = 1 << 20;

    public MeasurementList(IReadOnlyList<ImaNgEntry> entries) => Entries = entries;

    public IReadOnlyList<ImaNgEntry> Entries { get; }

    public static bool TryParse(ReadOnlySpan<byte> data, out MeasurementList list, out string error)
    {
        var entries = new List<ImaNgEntry>();
        list = new MeasurementList(entries);
        var offset = 0;
        while (offset < data.Length)
        {
            var rest = data[offset..];
            if (rest.Length < 4 + 20 + 4)
            {
                error = $"entry {entries.Count} at byte {offset}: truncated header";
                return false;
            }

            var pcr = BinaryPrimitives.ReadUInt32LittleEndian(rest);
            var hash = rest.Slice(4, 20).ToArray();
            var nameLength = BinaryPrimitives.ReadUInt32LittleEndian(rest[24..]);
            if (nameLength == 0 || nameLength > MaxTemplateNameLength || rest.Length < 28 + nameLength + 4)
            {
                error = $"entry {entries.Count} at byte {offset}: bad template name length {nameLength}";
                return false;
            }

            var nameBytes = rest.Slice(28, (int)nameLength);
            if (nameBytes.IndexOfAnyExceptInRange((byte)0x21, (byte)0x7e) >= 0)
            {
                // Template names are printable ASCII words ("ima-ng", "ima-sig"); anything else would not survive
                // re-encoding (found by the ima-list fuzz target's round-trip oracle).
                error = $"entry {entries.Count} at byte {offset}: template name is not printable ASCII";
                return false;
            }

            var name = nameBytes.SequenceEqual("ima-ng"u8) ? ImaNgEntry.ImaNgTemplate : Encoding.ASCII.GetString(nameBytes);
            var dataLength = BinaryPrimitives.ReadUInt32LittleEndian(rest[(28 + (int)nameLength)..]);
            var header = 32 + (int)nameLength;
            if (dataLength > MaxTemplateDataLength || rest.Length - header < dataLength)
            {
                error = $"entry {entries.Count} at byte {offset}: template data length {dataLength} exceeds what remains";
                return false;
            }

            entries.Add(new ImaNgEntry(pcr, hash, name, rest.Slice(header, (int)dataLength).ToArray()));
            offset += header + (int)dataLength;
        }

        error = string.Empty;
        return true;
    }

    public byte[] ToBinary()
    {
        using var stream = new MemoryStream();
        foreach (var entry in Entries)
        {
            WriteEntry(stream, entry);
        }

        return stream.ToArray();
    }

    /// <summary>Appends one entry in binary form (used by the append-only log file too).</summary>
    public static void WriteEntry(Stream stream, ImaNgEntry entry)
    {
        var name = Encoding.ASCII.GetBytes(entry.TemplateName);
        Span<byte> u32 = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(u32, entry.Pcr);
        stream.Write(u32);
        stream.Write(entry.TemplateHash);
        BinaryPrimitives.WriteUInt32LittleEndian(u32, (uint)name.Length);
        stream.Write(u32);
        stream.Write(name);
        BinaryPrimitives.WriteUInt32LittleEndian(u32, (uint)entry.TemplateData.Length);
        stream.Write(u32);
        stream.Write(entry.TemplateData);
    }

    public string ToAscii()
    {
        var text = new StringBuilder();
        foreach (var entry in Entries)
        {
            text.Append(entry.ToAscii()).Append('\n');
        }

        return text.ToString();
    }
}
