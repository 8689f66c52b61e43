using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Overlay.Attest.Ima;

/// <summary>
/// One measurement-list entry in the kernel's IMA layout (security/integrity/ima/ima_fs.c,
/// ima_measurements_show; template fields from ima_template_lib.c).
/// <code>
/// binary:  u32 pcr | u8 template_hash[20] | u32 name_len | name ("ima-ng") | u32 data_len | template data
/// ima-ng template data = u32 len | d-ng  ||  u32 len | n-ng
///          d-ng = "&lt;algo&gt;:" '\0' digest            n-ng = path '\0'
/// ascii:   "&lt;pcr&gt; &lt;sha1 template hash&gt; ima-ng &lt;algo&gt;:&lt;hex digest&gt; &lt;path&gt;"
/// </code>
/// The template hash is SHA-1 over the template data exactly as listed (each field's u32 length, then its bytes;
/// ima_calc_field_array_hash_tfm). The kernel extends each PCR bank with that bank's hash of the same bytes, so the
/// SHA-256 bank receives SHA-256(template data). A violation entry lists an all-zero template hash but extends
/// every bank with all 0xFF bytes (ima_add_violation / ima_pcr_extend). Integers are little-endian, the kernel's
/// native order on x86 and its ima_canonical_fmt order.
/// </summary>
public sealed class ImaNgEntry
{
    public const string ImaNgTemplate = "ima-ng";

    private byte[]? _sha256Extend;

    public ImaNgEntry(uint pcr, byte[] templateHash, string templateName, byte[] templateData)
    {
        Pcr = pcr;
        TemplateHash = templateHash;
        TemplateName = templateName;
        TemplateData = templateData;
        ParseFields(templateData);
    }

    public uint Pcr { get; }

    /// <summary>SHA-1 of the template data (all zero for a violation).</summary>
    public byte[] TemplateHash { get; }

    public string TemplateName { get; }

    /// <summary>The template fields as listed: u32 length + bytes, per field.</summary>
    public byte[] TemplateData { get; }

    /// <summary>The file digest's algorithm ("sha256"), empty when the template has no d-ng field.</summary>
    public string DigestAlgorithm { get; private set; } = string.Empty;

    public byte[] FileDigest { get; private set; } = [];

    /// <summary>The measured path or name (n-ng without its NUL).</summary>
    public string Path { get; private set; } = string.Empty;

    public bool IsViolation => TemplateHash.AsSpan().IndexOfAnyExcept((byte)0) < 0;

    /// <summary>What the SHA-256 PCR bank was extended with for this entry.</summary>
    public byte[] Sha256ExtendValue => _sha256Extend ??= IsViolation
        ? Enumerable.Repeat((byte)0xFF, 32).ToArray()
        : SHA256.HashData(TemplateData);

    /// <summary>Builds an ima-ng entry for a file or blob digest, computing its template hash.</summary>
    public static ImaNgEntry Create(uint pcr, string algorithm, ReadOnlySpan<byte> digest, string path)
    {
        var prefix = Encoding.ASCII.GetBytes(algorithm + ":");
        var name = Encoding.UTF8.GetBytes(path);
        var dLength = prefix.Length + 1 + digest.Length;
        var nLength = name.Length + 1;
        var data = new byte[4 + dLength + 4 + nLength];
        BinaryPrimitives.WriteUInt32LittleEndian(data, (uint)dLength);
        prefix.CopyTo(data, 4);
        digest.CopyTo(data.AsSpan(4 + prefix.Length + 1));
        BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(4 + dLength), (uint)nLength);
        name.CopyTo(data, 8 + dLength);
        return new ImaNgEntry(pcr, SHA1.HashData(data), ImaNgTemplate, data);
    }

    /// <summary>The line /sys/kernel/security/ima/ascii_runtime_measurements would show.</summary>
    public string ToAscii() =>
        $"{Pcr} {Convert.ToHexStringLower(TemplateHash)} {TemplateName} {DigestAlgorithm}:{Convert.ToHexStringLower(FileDigest)} {Path}";

    private void ParseFields(ReadOnlySpan<byte> data)
    {
        // d-ng then n-ng, as in ima-ng and ima-sig; other templates keep only their raw data for replay.
        if (!TryField(ref data, out var digestField) || !TryField(ref data, out var nameField))
        {
            return;
        }

        var colon = digestField.IndexOf((byte)':');
        if (colon > 0 && colon + 1 < digestField.Length && digestField[colon + 1] == 0)
        {
            var algorithm = digestField[..colon];
            DigestAlgorithm = algorithm.SequenceEqual("sha256"u8) ? "sha256" : Encoding.ASCII.GetString(algorithm);
            FileDigest = digestField[(colon + 2)..].ToArray();
        }
        else
        {
            DigestAlgorithm = "sha1";
            FileDigest = digestField.ToArray();
        }

        Path = Encoding.UTF8.GetString(nameField.Length > 0 && nameField[^1] == 0 ? nameField[..^1] : nameField);
    }

    private static bool TryField(ref ReadOnlySpan<byte> data, out ReadOnlySpan<byte> field)
    {
        field = default;
        if (data.Length < 4)
        {
            return false;
        }

        var length = BinaryPrimitives.ReadUInt32LittleEndian(data);
        if (length > data.Length - 4)
        {
            return false;
        }

        field = data.Slice(4, (int)length);
        data = data[(4 + (int)length)..];
        return true;
    }
}
