using Overlay.Attest.Tpm;

namespace Overlay.Attest.Tests.Fixtures;

/// <summary>
/// A second swtpm driven only by tpm2-tools: EK, an ECC and an RSA AK made by tpm2_createak and persisted (so
/// tpm2-tools leaks no transient handles), their PEM from tpm2_readpublic, PCR 13 extended, and one quote per AK over sha256:0,13,16.
/// </summary>
public sealed class Tpm2ToolsFixture : IDisposable
{
    public const string Nonce = "5ca1ab1e00112233445566778899aabbccddeeff";

    public Tpm2ToolsFixture()
    {
        Directory = Path.Combine("/tmp", $"tvdtt-{Environment.ProcessId}-{Guid.NewGuid():N}"[..24]);
        Swtpm = EmbeddedSwtpm.Start(Directory);
        try
        {
            Prepare(Swtpm.Tcti);
        }
        catch
        {
            // xunit does not dispose a fixture whose constructor threw: do not leave swtpm running.
            Dispose();
            throw;
        }
    }

    private void Prepare(string t)
    {
        ToolRunner.Check("tpm2_createek", t, "-c", P("ek.ctx"), "-G", "rsa", "-u", P("ek.pub"));
        foreach (var (alg, scheme, handle, name) in new[] { ("ecc", "ecdsa", "0x81010003", "ecc"), ("rsa", "rsassa", "0x81010002", "rsa") })
        {
            ToolRunner.Check("tpm2_createak", t, "-C", P("ek.ctx"), "-c", P($"{name}.ctx"), "-G", alg, "-g", "sha256", "-s", scheme,
                "-u", P($"{name}.pub"), "-n", P($"{name}.name"));
            ToolRunner.Check("tpm2_flushcontext", t, "-t");
            ToolRunner.Check("tpm2_evictcontrol", t, "-C", "o", "-c", P($"{name}.ctx"), handle);
            ToolRunner.Check("tpm2_flushcontext", t, "-t");
            ToolRunner.Check("tpm2_readpublic", t, "-c", handle, "-f", "pem", "-o", P($"{name}.pem"));
        }

        ToolRunner.Check("tpm2_pcrextend", t, "13:sha256=" + new string('a', 64));
        foreach (var (handle, name) in new[] { ("0x81010003", "ecc"), ("0x81010002", "rsa") })
        {
            ToolRunner.Check("tpm2_quote", t, "-c", handle, "-l", "sha256:0,13,16", "-q", Nonce, "-m", P($"{name}.msg"),
                "-s", P($"{name}.sig"), "-o", P($"{name}.pcrs"), "-g", "sha256");
        }
    }

    public string Directory { get; }

    public EmbeddedSwtpm Swtpm { get; }

    public string P(string file) => Path.Combine(Directory, file);

    public void Dispose()
    {
        Swtpm.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}
