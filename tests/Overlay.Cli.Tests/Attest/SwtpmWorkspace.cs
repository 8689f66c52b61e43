using Overlay.Attest.Tpm;

namespace Overlay.Cli.Tests.Attest;

/// <summary>A temporary directory with a real swtpm in it, and the environment that points tpm2-tools at it.</summary>
internal sealed class SwtpmWorkspace : IDisposable
{
    public SwtpmWorkspace(string prefix)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory(prefix).FullName;
        Tpm = EmbeddedSwtpm.Start(Path.Combine(Directory, "tpm"));
        Environment = new() { ["TPM2TOOLS_TCTI"] = Tpm.Tcti };
    }

    public string Directory { get; }

    public EmbeddedSwtpm Tpm { get; }

    /// <summary>TPM2TOOLS_TCTI for the tools and for tvdctl.</summary>
    public Dictionary<string, string> Environment { get; }

    /// <summary>A path inside the directory.</summary>
    public string File(string name) => Path.Combine(Directory, name);

    public void Dispose()
    {
        Tpm.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
