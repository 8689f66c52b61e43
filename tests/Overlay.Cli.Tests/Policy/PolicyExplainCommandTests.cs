namespace Overlay.Cli.Tests.Policy;

/// <summary><c>tvdctl policy explain</c> on examples/policy.toml: the issue's "done when" list, exit codes 0/1/2.</summary>
public sealed class PolicyExplainCommandTests
{
    [Theory]
    [InlineData(0, "allow: ste: guest hr-db and network red-net share type red", "--attach", "hr-db", "--resource", "red-net")]
    [InlineData(1, "deny: ste: guest hr-db (types red) and network blue-net (types blue) share no type", "--attach", "hr-db", "--resource", "blue-net")]
    [InlineData(0, "allow: ste: guest bridge-gw and network red-net share type red", "--attach", "bridge-gw", "--resource", "red-net")]
    [InlineData(0, "allow: ste: guest bridge-gw and network blue-net share type blue", "--attach", "bridge-gw", "--resource", "blue-net")]
    [InlineData(1, "deny: chinese-wall: type avis of guest avis-web conflicts with type hertz of running guest hertz-web on host host1 (conflict set car-rental)", "--start", "avis-web", "--running", "hertz-web")]
    [InlineData(0, "allow: host-authorization and chinese-wall: host host1 may run every type of guest avis-web (green, avis)", "--start", "avis-web", "--running", "hr-db")]
    [InlineData(1, "deny: host-authorization: host host2 may not run type blue of guest acct-app (host types: red, green)", "--start", "acct-app", "--host", "host2")]
    [InlineData(0, "allow: host-authorization and chinese-wall: host host1", "--start", "avis-web", "--running", "hr-db, dev-ci ,acct-app")]
    [InlineData(0, "allow: carriage: hosts host1 and host2 may both run type red of TVD red", "--carry", "red", "--between", "host1", "host2")]
    [InlineData(1, "deny: carriage: host host2 may not run type blue of TVD blue (host types: red, green)", "--carry", "blue", "--between", "host1", "host2")]
    [InlineData(1, "deny: carriage: host host2 may not run type blue of TVD blue (host types: red, green)", "--carry", "blue", "--between", "host2", "host1")]
    [InlineData(1, "deny: carriage: host host2 may not run type blue of TVD blue", "--carry", "tvd:blue", "--between", "host2", "host2")]
    [InlineData(0, "allow: carriage: hosts host2 and host1 may both run type green of TVD green", "--carry", "green", "--between", "host2", "--between", "host1")]
    [InlineData(1, "deny: attestation: host host2 presented no evidence; TVD red requires 'known-good'", "--join", "red", "--host", "host2")]
    [InlineData(1, "deny: attestation: host host1 presented no evidence; TVD blue requires 'known-good'", "--join", "tvd:blue", "--host", "host1")]
    [InlineData(1, "deny: carriage: host host2 may not run type blue of TVD blue (host types: red, green)", "--join", "blue", "--host", "host2")]
    [InlineData(0, "allow: carriage: host host2 may run type green of TVD green (TVD green requires no attestation)", "--join", "green", "--host", "host2")]
    public void Explains_the_decision_and_exits_with_the_verdict(int exit, string expected, params string[] args)
    {
        var r = CliRunner.Run(["policy", "explain", CliRunner.ExamplePolicy, .. args]);

        Assert.Equal(exit, r.ExitCode);
        Assert.StartsWith(expected, r.StdOut.Trim());
    }

    [Theory]
    [InlineData("unknown guest 'nobody'", "--attach", "nobody", "--resource", "red-net")]
    [InlineData("unknown resource 'purple-net'", "--attach", "hr-db", "--resource", "purple-net")]
    [InlineData("unknown guest 'nobody'", "--start", "nobody")]
    [InlineData("unknown host 'host9'", "--start", "hr-db", "--host", "host9")]
    [InlineData("unknown guest 'ghost'", "--start", "hr-db", "--running", "ghost")]
    [InlineData("guest avis-web cannot be running on host host1", "--start", "hr-db", "--running", "hertz-web,avis-web")]
    [InlineData("--attach needs --resource", "--attach", "hr-db")]
    [InlineData("give only one of --attach, --start, --carry and --join", "--attach", "hr-db", "--resource", "red-net", "--start", "hr-db")]
    [InlineData("give only one of --attach, --start, --carry and --join", "--start", "hr-db", "--carry", "red", "--between", "host1", "host2")]
    [InlineData("give only one of --attach, --start, --carry and --join", "--join", "red", "--host", "host1", "--start", "hr-db")]
    [InlineData("--host goes with --start or --join", "--attach", "hr-db", "--resource", "red-net", "--host", "host1")]
    [InlineData("--host goes with --start or --join", "--carry", "red", "--between", "host1", "host2", "--host", "host1")]
    [InlineData("--running goes with --start", "--join", "red", "--host", "host1", "--running", "hr-db")]
    [InlineData("--join needs --host H", "--join", "red")]
    [InlineData("--between goes with --carry", "--join", "red", "--host", "host1", "--between", "host1", "host2")]
    [InlineData("unknown TVD 'purple'", "--join", "purple", "--host", "host1")]
    [InlineData("unknown host 'host9'", "--join", "red", "--host", "host9")]
    [InlineData("give --attach GUEST --resource NAME, --start GUEST, --carry TVD --between H1 H2, or --join TVD --host H")]
    [InlineData("unknown TVD 'purple'", "--carry", "purple", "--between", "host1", "host2")]
    [InlineData("unknown host 'host9'", "--carry", "red", "--between", "host1", "host9")]
    [InlineData("unknown host 'host9'", "--carry", "red", "--between", "host9", "host1")]
    [InlineData("--carry needs --between H1 H2", "--carry", "red")]
    [InlineData("--between goes with --carry", "--start", "hr-db", "--between", "host1", "host2")]
    [InlineData("'--between'", "--carry", "red", "--between", "host1")]
    [InlineData("'host3'", "--carry", "red", "--between", "host1", "host2", "host3")]
    public void Bad_input_exits_2_with_a_message(string message, params string[] args)
    {
        var r = CliRunner.Run(["policy", "explain", CliRunner.ExamplePolicy, .. args]);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.StdErr);
        Assert.Equal("", r.StdOut);
    }

    [Fact]
    public void A_join_without_evidence_says_what_the_host_must_prove()
    {
        var r = CliRunner.Run("policy", "explain", CliRunner.ExamplePolicy, "--join", "red", "--host", "host2");

        Assert.Equal(1, r.ExitCode);
        var lines = r.StdOut.TrimEnd().Split('\n');
        Assert.Equal(
        [
            "deny: attestation: host host2 presented no evidence; TVD red requires 'known-good'",
            $"no evidence given; to join TVD red, host host2 must prove 'known-good' ({CliRunner.ExamplePolicy}:33:1):",
            "  quote      over sha256:13 (at least these PCRs), from a hardware TPM (software_tpm = false)",
            "  AK         pinned for host2: sha256 0000000000000000000000000000000000000000000000000000000000000000",
            $"  reference  every measured entry listed in {Path.Combine(Path.GetDirectoryName(CliRunner.ExamplePolicy)!, "reference.txt")}",
            "  max_age    evidence at most 60 s old, refreshed before it expires",
            "  also for   TVD blue",
        ],
            lines);
        Assert.Equal("", r.StdErr);
    }

    [Fact]
    public void A_join_of_a_host_no_ak_could_identify_says_it_cannot_be_met()
    {
        var path = Path.Combine(Path.GetTempPath(), $"tvdctl-join-{Guid.NewGuid():N}.toml");
        File.WriteAllText(path, File.ReadAllText(CliRunner.ExamplePolicy) + "\n[[host]]\nname = \"host3\"\ntypes = [\"red\"]\n");
        try
        {
            var r = CliRunner.Run("policy", "explain", path, "--join", "red", "--host", "host3");

            Assert.Equal(1, r.ExitCode);
            Assert.Contains(
                "  AK         none: host3 has no pin in `ak_pins` and no `ak_ca` is set, so no AK of host3 is trusted and it cannot meet 'known-good'",
                r.StdOut.Split('\n'));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_first_host_of_the_file_is_the_default()
    {
        // host1 may run blue; host2 (second) may not.
        var r = CliRunner.Run("policy", "explain", CliRunner.ExamplePolicy, "--start", "acct-app");

        Assert.Equal(0, r.ExitCode);
        Assert.Contains("host host1", r.StdOut);
    }

    [Fact]
    public void A_broken_policy_file_exits_2_with_its_errors()
    {
        var path = Path.Combine(Path.GetTempPath(), $"tvdctl-explain-{Guid.NewGuid():N}.toml");
        File.WriteAllText(path, File.ReadAllText(CliRunner.ExamplePolicy).Replace("vlan = 102", "vlan = 5000"));
        try
        {
            var r = CliRunner.Run("policy", "explain", path, "--attach", "hr-db", "--resource", "red-net");

            Assert.Equal(2, r.ExitCode);
            Assert.Matches($@"{System.Text.RegularExpressions.Regex.Escape(path)}:\d+:\d+: error: .*4094", r.StdErr);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
