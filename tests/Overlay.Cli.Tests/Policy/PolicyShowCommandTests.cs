namespace Overlay.Cli.Tests.Policy;

/// <summary><c>tvdctl policy show</c> on examples/policy.toml: the tables a reader checks a policy with.</summary>
public sealed class PolicyShowCommandTests
{
    [Fact]
    public void Each_attestation_requirement_is_listed_with_its_sources_and_the_tvds_that_use_it()
    {
        var r = CliRunner.Run("policy", "show", CliRunner.ExamplePolicy);

        Assert.Equal(0, r.ExitCode);
        var lines = r.StdOut.Split('\n');
        var header = Array.FindIndex(lines, l => l.StartsWith("ATTESTATION ", StringComparison.Ordinal));
        Assert.True(header > 0, r.StdOut);
        Assert.Equal(["ATTESTATION", "PCRS", "REFERENCE", "VALUES", "MAX", "AGE", "SOFTWARE", "TPM", "AK", "PINS", "AK", "CAS", "TVDS"], Words(lines[header]));
        var reference = Path.Combine(Path.GetDirectoryName(CliRunner.ExamplePolicy)!, "reference.txt");
        Assert.Equal(["known-good", "sha256:13", reference, "60", "s", "refused", "host1,", "host2", "-", "red,", "blue"], Words(lines[header + 1]));
        Assert.Equal("", lines[header + 2]);
    }

    [Fact]
    public void A_tvd_names_its_requirement()
    {
        var r = CliRunner.Run("policy", "show", CliRunner.ExamplePolicy);

        Assert.Contains(r.StdOut.Split('\n'), l => Words(l) is ["red", "HR", "red", "101", "tvd:red", "known-good"]);
        Assert.Contains(r.StdOut.Split('\n'), l => Words(l) is ["green", "Dev", "green", "103", "tvd:green", "-"]);
    }

    private static string[] Words(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
