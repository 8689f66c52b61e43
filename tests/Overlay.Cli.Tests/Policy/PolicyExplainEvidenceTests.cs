using Overlay.Attest.Handshake;
using Overlay.Attest.Ima;
using Overlay.Attest.Quote;

namespace Overlay.Cli.Tests.Policy;

/// <summary>
/// <c>tvdctl policy explain FILE --join TVD --host H --evidence FILE [--at TIME]</c> on the example policy made to
/// name the attested-ike lab's h2 (host2 renamed, its AK pinned, a software TPM accepted, its four measurements in
/// reference.txt) and the bundle h2 gave h1 in that lab: exit 0 admitted, 1 refused with the verifier's finding
/// ids, 2 bad input.
/// </summary>
public sealed class PolicyExplainEvidenceTests : IDisposable
{
    /// <summary>SHA-256 of the SubjectPublicKeyInfo of the AK in the lab bundle.</summary>
    private const string LabAkPin = "c791f2fd0c769011318ca22c1e4610624aab73b855c297f365d6d059815c723b";

    private const string ZeroPin = "0000000000000000000000000000000000000000000000000000000000000000";

    private static readonly string[] LabReferences =
    [
        "2cd0f9d74e81672e316bcae4fa1fe1a467579e919c1c62e159b510f7c71e04b1  /work/main/bin/tvd-overlayd",
        "a3c84210399aa759b2198040e07e449c33bede5fbb7bceacb433f06e5643b074  /work/main/bin/tvd-overlayd.dll",
        "c4dd6b5d6bc9e9a04aceb22469f2f6716770ee926d8dae51001a9288fa6eec37  /tmp/tldci-lab/h2.toml",
        "1ed0ff07be590bf342d32c095e2e0dd31daa0ec2591c0749b495c77380cb0d24  /tmp/tldci-lab/policy.toml",
    ];

    /// <summary>When the evidence file was written (its modification time), and 30 s later: the time judged at.</summary>
    private static readonly DateTime Written = new(2030, 1, 2, 3, 4, 0, DateTimeKind.Utc);

    private const string At = "2030-01-02T03:04:30Z";

    private readonly string _dir = Directory.CreateTempSubdirectory("tvdctl-explain-evidence-").FullName;

    public PolicyExplainEvidenceTests()
    {
        CliRunner.CopyExamplePolicy(_dir);
        WritePolicy();
        File.AppendAllLines(F("reference.txt"), LabReferences);
        WriteEvidence(LabBundle());
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string F(string name) => Path.Combine(_dir, name);

    private string Policy => F("policy.toml");

    private string EvidenceFile => F("h2.ev");

    private static byte[] LabBundle() => Convert.FromHexString(File.ReadAllText(
        Path.Combine(CliRunner.RepoRoot(), "tests", "Overlay.Attest.Tests", "Fixtures", "handshake", "bundle-lab-h2.hex")).Trim());

    private void WritePolicy(string pin = LabAkPin, bool softwareTpm = true)
    {
        var text = File.ReadAllText(CliRunner.ExamplePolicy).Replace("host2", "h2", StringComparison.Ordinal)
            .Replace($"h2 = \"{ZeroPin}\"", $"h2 = \"{pin}\"", StringComparison.Ordinal)
            .Replace("software_tpm = false", $"software_tpm = {(softwareTpm ? "true" : "false")}", StringComparison.Ordinal);
        Assert.Contains($"h2 = \"{pin}\"", text);
        File.WriteAllText(Policy, text);
    }

    private void WriteEvidence(byte[] bundle)
    {
        File.WriteAllBytes(EvidenceFile, bundle);
        File.SetLastWriteTimeUtc(EvidenceFile, Written);
    }

    private CliRunner.Result Explain(params string[] more) =>
        CliRunner.Run(["policy", "explain", Policy, "--join", "red", "--host", "h2", "--evidence", EvidenceFile, .. more]);

    private string[] Lines(CliRunner.Result r) => r.StdOut.TrimEnd().Split('\n');

    [Fact]
    public void TheLabBundleIsAdmittedWithWhatWasAndWasNotChecked()
    {
        var r = Explain("--at", At);

        Assert.Equal(0, r.ExitCode);
        Assert.Equal("", r.StdErr);
        Assert.Equal(
        [
            "allow: attestation: host h2 meets 'known-good' for TVD red (evidence valid until 2030-01-02T03:05:00Z)",
            $"evidence {EvidenceFile} judged offline against 'known-good' ({Policy}:33:1) at 2030-01-02T03:04:30Z:",
            "  quote      over sha256:13 by host h2's TPM (clock 1009 ms, reset count 2, restart count 0); a software TPM declared, accepted (software_tpm = true)",
            $"  AK         sha256 {LabAkPin}: pinned for h2",
            "  lists      overlay: 4 entries, 4 covered by the quote",
            "  age        at least 30 s (the file was written 2030-01-02T03:04:00Z); max_age 60 s",
            "  finding    warning clock.unsafe the TPM clock may have been rolled back (safe = NO)",
            "  not checked offline: binding, challenge (only the handshake that carries the evidence has them: K_e's signature over its AUTH " +
                "octets, and whether the verifier issued the challenge and when)",
        ],
            Lines(r));
    }

    [Fact]
    public void AnUnknownBinaryIsRefusedWithItsPathAndDigest()
    {
        var references = File.ReadAllLines(F("reference.txt")).Where(l => !l.EndsWith("/work/main/bin/tvd-overlayd", StringComparison.Ordinal));
        File.WriteAllLines(F("reference.txt"), references);

        var r = Explain("--at", At);

        Assert.Equal(1, r.ExitCode);
        var refusal = "ref.unknown '/work/main/bin/tvd-overlayd' (sha256:2cd0f9d74e81672e316bcae4fa1fe1a467579e919c1c62e159b510f7c71e04b1) " +
            "is not in the reference values";
        Assert.Equal($"deny: attestation: host h2 does not meet 'known-good' for TVD red: {refusal}", Lines(r)[0]);
        Assert.Contains($"  finding    error {refusal}", Lines(r));
    }

    [Fact]
    public void AnAkNotPinnedForTheHostIsRefused()
    {
        WritePolicy(pin: ZeroPin);

        var r = Explain("--at", At);

        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith($"deny: attestation: host h2 does not meet 'known-good' for TVD red: ak.trust AK sha256:{LabAkPin} is neither pinned for host 'h2'",
            Lines(r)[0]);
        Assert.Contains($"  AK         sha256 {LabAkPin}: not trusted for h2 (findings below)", Lines(r));
    }

    [Fact]
    public void ASoftwareTpmIsRefusedWhereTheRequirementWantsHardware()
    {
        WritePolicy(softwareTpm: false);

        var r = Explain("--at", At);

        Assert.Equal(1, r.ExitCode);
        Assert.Equal("deny: attestation: host h2 does not meet 'known-good' for TVD red: tpm.software the attester declares a software TPM, " +
            "which requirement 'known-good' does not accept", Lines(r)[0]);
    }

    [Fact]
    public void EvidenceOlderThanMaxAgeAtTheTimeJudgedIsStale()
    {
        var r = Explain("--at", "2030-01-02T03:05:01Z");

        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith("deny: attestation: host h2 does not meet 'known-good' for TVD red: challenge.stale the evidence existed 61000 ms before", Lines(r)[0]);
        Assert.Contains("  age        at least 61 s (the file was written 2030-01-02T03:04:00Z); max_age 60 s", Lines(r));

        // Without --at the time judged at is now: a file written five minutes ago is stale, one written now is not.
        File.SetLastWriteTimeUtc(EvidenceFile, DateTime.UtcNow.AddMinutes(-5));
        var now = Explain();
        Assert.Equal(1, now.ExitCode);
        Assert.Contains("challenge.stale the evidence existed 3", now.StdOut);
        File.SetLastWriteTimeUtc(EvidenceFile, DateTime.UtcNow);
        Assert.Equal(0, Explain().ExitCode);
    }

    [Fact]
    public void EvidenceOfAnotherHostIsRefused()
    {
        var r = CliRunner.Run("policy", "explain", Policy, "--join", "red", "--host", "host1", "--evidence", EvidenceFile, "--at", At);

        Assert.Equal(1, r.ExitCode);
        Assert.Equal("deny: attestation: host host1 does not meet 'known-good' for TVD red: binding.host the evidence is for host 'h2', not for host 'host1'",
            Lines(r)[0]);
    }

    [Fact]
    public void ATvdWithoutARequirementDoesNotJudgeTheEvidence()
    {
        var r = CliRunner.Run("policy", "explain", Policy, "--join", "green", "--host", "h2", "--evidence", EvidenceFile, "--at", At);

        Assert.Equal(0, r.ExitCode);
        Assert.Equal(
        [
            "allow: carriage: host h2 may run type green of TVD green (TVD green requires no attestation)",
            $"evidence {EvidenceFile} not judged: TVD green requires no attestation",
        ],
            Lines(r));
    }

    [Fact]
    public void ABundleWithOnlyADeltaListIsBadInput()
    {
        Assert.True(EvidenceBundleCodec.TryDecode(LabBundle(), out var bundle, out var error), error);
        var full = bundle.Lists.Single();
        Assert.True(MeasurementList.TryParse(full.Binary.Span, out var list, out error), error);
        WriteEvidence(EvidenceBundleCodec.Encode(new EvidenceBundle
        {
            HostId = bundle.HostId,
            EphemeralKey = bundle.EphemeralKey,
            Challenge = bundle.Challenge,
            Proof = bundle.Proof,
            Quote = bundle.Quote,
            SoftwareTpm = bundle.SoftwareTpm,
            Lists = [new BundleList(MeasurementSource.Overlay, 2, new MeasurementList(list.Entries.Skip(2).ToArray()).ToBinary())],
        }));

        var r = Explain("--at", At);

        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.StdOut);
        Assert.Equal($"tvdctl: {EvidenceFile}: the Overlay list is a delta after entry 2: it continues a checkpoint only the verifier it was given " +
            "to holds, so it cannot be replayed offline (full lists are what a peer holding no checkpoint of the host is given: its first " +
            "handshake with that host)", r.StdErr.TrimEnd());
    }

    [Theory]
    [InlineData("missing", "Could not find file")]
    [InlineData("policy", "it does not decode as an evidence bundle: not an evidence bundle (missing \"TVDH\" magic)")]
    [InlineData("truncated", "it does not decode as an evidence bundle")]
    [InlineData("endless", "/dev/zero: more than the 16777216 bytes")] // no length, never ends: capped, not read whole
    public void AnUnreadableOrMalformedEvidenceFileIsBadInput(string file, string message)
    {
        var path = file switch
        {
            "missing" => F("nothing.ev"),
            "policy" => Policy,
            "endless" => "/dev/zero",
            _ => F("truncated.ev"),
        };
        if (file == "truncated")
        {
            File.WriteAllBytes(path, LabBundle()[..100]);
        }

        var r = CliRunner.Run("policy", "explain", Policy, "--join", "red", "--host", "h2", "--evidence", path);

        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.StdOut);
        Assert.Contains(message, r.StdErr);
    }

    [Theory]
    [InlineData("tvdctl: unknown TVD 'purple'", "--join", "purple", "--host", "h2")]
    [InlineData("tvdctl: unknown host 'h9'", "--join", "red", "--host", "h9")]
    [InlineData("tvdctl: --at: 'yesterday' is not a time (ISO 8601, e.g. 2030-01-02T03:04:05Z)", "--join", "red", "--host", "h2", "--at", "yesterday")]
    [InlineData("was last written at 2030-01-02T03:04:00Z, after the time judged at (2030-01-02T03:03:59Z): the evidence did not exist yet",
        "--join", "red", "--host", "h2", "--at", "2030-01-02T03:03:59Z")]
    [InlineData("tvdctl: --evidence goes with --join", "--carry", "red", "--between", "host1", "h2")]
    public void BadInputExits2WithAMessage(string message, params string[] args)
    {
        var r = CliRunner.Run(["policy", "explain", Policy, .. args, "--evidence", EvidenceFile]);

        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.StdOut);
        Assert.Contains(message, r.StdErr);
    }

    [Fact]
    public void AtWithoutEvidenceIsBadInput()
    {
        var r = CliRunner.Run("policy", "explain", Policy, "--join", "red", "--host", "h2", "--at", At);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("tvdctl: --at goes with --evidence", r.StdErr);
    }

    [Fact]
    public void AReferenceFileThatCannotBeReadRefusesThePolicyAsTheDaemonWould()
    {
        File.Delete(F("reference.txt"));

        var r = Explain("--at", At);

        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.StdOut);
        Assert.Matches($@"{System.Text.RegularExpressions.Regex.Escape(Policy)}:36:\d+: error: reference_values '.*reference.txt' of 'known-good' cannot be read",
            r.StdErr);
        Assert.Contains($"{Policy}: 1 error, policy not loaded", r.StdErr);
    }
}
