namespace Overlay.Cli.Tests.Attest;

/// <summary>
/// tvdctl reads evidence, AK keys, reference values and tpm2-tools files whole; each read is capped
/// (issue 12, item 1). /dev/zero — a file with no length that never ends — is refused with a message
/// after the cap, in a process whose GC heap is limited to 256 MiB (File.ReadAllBytes grew it towards
/// 2 GiB before failing).
/// </summary>
public sealed class FileReadBoundTests : IDisposable
{
    private const string Nonce = "00112233445566778899aabbccddeeff";
    private const string Pin = "0000000000000000000000000000000000000000000000000000000000000000";

    private static readonly Dictionary<string, string> SmallHeap = new() { ["DOTNET_GCHeapHardLimit"] = "0x10000000" };

    private readonly string _dir = Directory.CreateTempSubdirectory("tvdctl-bounded-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string[]> EndlessInputs() => new()
    {
        new[] { "attest", "verify", "--evidence", "/dev/zero", "--nonce", Nonce, "--pin", Pin },
        new[] { "attest", "verify", "--evidence", "EVIDENCE", "--nonce", Nonce, "--ak", "/dev/zero" },
        new[] { "attest", "verify", "--evidence", "EVIDENCE", "--nonce", Nonce, "--pin", Pin, "--reference", "/dev/zero" },
        new[] { "attest", "checkquote", "-u", "/dev/zero", "-m", "/dev/zero", "-s", "/dev/zero", "-f", "/dev/zero", "--qualification", Nonce },
    };

    [Theory]
    [MemberData(nameof(EndlessInputs))]
    public void An_endless_input_file_is_refused_after_its_cap(string[] args)
    {
        var evidence = Path.Combine(_dir, "evidence");
        File.WriteAllBytes(evidence, "TVDE"u8.ToArray());
        var r = CliRunner.RunWith(SmallHeap, args.Select(a => a == "EVIDENCE" ? evidence : a).ToArray());

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("/dev/zero: more than", r.StdErr);
    }
}
