using System.Security;
using System.Text;
using Overlay.Common.Toml;
using Overlay.Labels.Model;

namespace Overlay.Labels.Loading;

/// <summary>
/// Loads a TVD policy from TOML (the schema is docs/policy.md). Loading never throws for a bad file: every
/// problem, syntax or schema or cross-reference, comes back at once as a <see cref="PolicyDiagnostic"/> with
/// its file, line and column, and <see cref="PolicyLoadResult.Policy"/> is set only when there is no error.
/// </summary>
public static class PolicyLoader
{
    /// <summary>TOML files are UTF-8; rejecting bad bytes beats silently turning them into U+FFFD in a name.</summary>
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Reads and loads the policy file at <paramref name="path"/>; an unreadable file is an error at <c>path:0:0</c>.</summary>
    public static PolicyLoadResult LoadFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            text = File.ReadAllText(path, StrictUtf8);
        }
        catch (DecoderFallbackException)
        {
            return FileError(path, "the policy file is not valid UTF-8");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException
                                       or NotSupportedException or SecurityException)
        {
            return FileError(path, $"cannot read the policy file: {e.Message}");
        }

        return Load(text, path);
    }

    /// <summary>Loads a policy from TOML text; <paramref name="sourceName"/> is the file name diagnostics show.</summary>
    public static PolicyLoadResult Load(string tomlText, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(tomlText);
        ArgumentNullException.ThrowIfNull(sourceName);

        var diagnostics = new DiagnosticCollector();
        var document = TomlDocument.Read(tomlText, sourceName, PolicyDialect.Instance, diagnostics);
        if (document is null)
        {
            return new PolicyLoadResult(null, diagnostics.ToSortedList());
        }

        var draft = SchemaReader.Read(document.Sections, sourceName, diagnostics);
        PolicyValidator.Validate(draft, diagnostics);
        var policy = diagnostics.HasErrors ? null : PolicyBuilder.Build(draft, sourceName);
        return new PolicyLoadResult(policy, diagnostics.ToSortedList());
    }

    private static PolicyLoadResult FileError(string path, string message) =>
        new(null, [new PolicyDiagnostic(DiagnosticSeverity.Error, new SourceLocation(path, 0, 0), message)]);
}
