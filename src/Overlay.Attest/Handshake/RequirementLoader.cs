using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Overlay.Attest.Structures;
using Overlay.Attest.Verify;

namespace Overlay.Attest.Handshake;

/// <summary>
/// An <c>[[attestation]]</c> requirement as written, before its files are read: what the policy compiled, in
/// Attest's terms. Each part carries <c>Where</c> — how the caller names its place (<c>file:line:column</c>) —
/// so every problem is reported where the user wrote it.
/// </summary>
public sealed record RequirementSource(
    string Name,
    string Pcrs,
    string PcrsWhere,
    (string Path, string Where)? ReferenceFile,
    IReadOnlyList<(string Text, string Where)> ReferenceLines,
    TimeSpan MaxAge,
    bool AllowSoftwareTpm,
    IReadOnlyDictionary<string, string> AkPins,
    IReadOnlyList<(string Path, string Where)> AkCaFiles);

/// <summary>
/// Reads what a requirement names — the reference-values file (the sha256sum-style format of
/// docs/attestation.md), inline reference lines, AK CA certificates (PEM) — into an
/// <see cref="AttestationRequirement"/>. Every problem becomes one <c>WHERE: error: …</c> line; a requirement
/// with any problem is not made. Files are read once, here, at load or reload time.
/// </summary>
public static class RequirementLoader
{
    /// <summary>Reference files larger than this are refused (a million entries of sha256sum output).</summary>
    public const long MaxReferenceFileBytes = 128L << 20;

    public static AttestationRequirement? Load(RequirementSource source, List<string> errors)
    {
        int before = errors.Count;
        if (!PcrSelection.TryParse(source.Pcrs, out PcrSelection pcrs, out string pcrError))
        {
            errors.Add($"{source.PcrsWhere}: error: pcrs of '{source.Name}': {pcrError}");
        }

        ReferenceValues? references = LoadReferences(source, errors);
        var cas = new List<X509Certificate2>();
        foreach ((string path, string where) in source.AkCaFiles)
        {
            LoadCertificates(path, where, source.Name, cas, errors);
        }

        return errors.Count > before
            ? null
            : new AttestationRequirement(source.Name, pcrs, references, source.MaxAge, source.AllowSoftwareTpm, source.AkPins, cas);
    }

    private static ReferenceValues? LoadReferences(RequirementSource source, List<string> errors)
    {
        var text = new StringBuilder();
        if (source.ReferenceFile is { } file)
        {
            try
            {
                var info = new FileInfo(file.Path);
                if (info.Exists && info.Length > MaxReferenceFileBytes)
                {
                    errors.Add($"{file.Where}: error: reference_values '{file.Path}' of '{source.Name}' is larger than {MaxReferenceFileBytes >> 20} MiB");
                    return null;
                }

                string content = File.ReadAllText(file.Path);
                if (!ReferenceValues.TryParse(content, out _, out string fileError))
                {
                    errors.Add($"{file.Where}: error: reference_values '{file.Path}' of '{source.Name}': {fileError}");
                    return null;
                }

                text.Append(content).Append('\n');
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                errors.Add($"{file.Where}: error: reference_values '{file.Path}' of '{source.Name}' cannot be read: {e.Message}");
                return null;
            }
        }

        foreach ((string line, string where) in source.ReferenceLines)
        {
            if (!ReferenceValues.TryParse(line, out _, out string lineError))
            {
                errors.Add($"{where}: error: reference line of '{source.Name}': {lineError.Replace("line 1: ", "", StringComparison.Ordinal)}");
                continue;
            }

            text.Append(line).Append('\n');
        }

        return ReferenceValues.TryParse(text.ToString(), out ReferenceValues values, out _) ? values : null;
    }

    private static void LoadCertificates(string path, string where, string name, List<X509Certificate2> into, List<string> errors)
    {
        try
        {
            var bundle = new X509Certificate2Collection();
            bundle.ImportFromPemFile(path);
            if (bundle.Count == 0)
            {
                errors.Add($"{where}: error: ak_ca '{path}' of '{name}' holds no PEM certificate");
                return;
            }

            into.AddRange(bundle);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            errors.Add($"{where}: error: ak_ca '{path}' of '{name}' cannot be read: {e.Message}");
        }
    }
}
