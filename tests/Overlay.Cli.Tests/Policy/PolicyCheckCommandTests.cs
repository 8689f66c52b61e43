using System.Text.RegularExpressions;

namespace Overlay.Cli.Tests.Policy;

public sealed class PolicyCheckCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tvdctl-check-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string text)
    {
        var path = Path.Combine(_dir, "policy.toml");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void The_example_policy_is_ok()
    {
        var r = CliRunner.Run("policy", "check", CliRunner.ExamplePolicy);

        Assert.Equal(0, r.ExitCode);
        Assert.Equal("ok", r.StdOut.Trim());
    }

    [Fact]
    public void Every_error_is_reported_at_once_as_file_line_column_with_exit_2()
    {
        var text = File.ReadAllText(CliRunner.ExamplePolicy)
            .Replace("vlan = 102", "vlan = 101")                        // two TVDs on one VLAN
            .Replace("networks = [\"blue-net\"]", "networks = [\"blu-net\"]") // unknown network
            .Replace("label = \"tvd:green\"", "lable = \"tvd:green\"");       // misspelled key
        var path = Write(text);

        var r = CliRunner.Run("policy", "check", path);

        Assert.Equal(2, r.ExitCode);
        var errors = r.StdOut.Split('\n').Where(l => l.Contains(": error: ")).ToList();
        Assert.Equal(3, errors.Count);
        Assert.All(errors, e => Assert.Matches($@"^{Regex.Escape(path)}:\d+:\d+: error: ", e));
        Assert.Contains(errors, e => e.Contains("101"));
        Assert.Contains(errors, e => e.Contains("blu-net"));
        Assert.Contains(errors, e => e.Contains("lable"));
        Assert.DoesNotContain("ok", r.StdOut.Split('\n').Select(l => l.Trim()));
    }

    [Fact]
    public void A_syntax_error_exits_2_at_its_position()
    {
        var path = Write("[policy]\nname = \"x\"\nversion = = 1\n");

        var r = CliRunner.Run("policy", "check", path);

        Assert.Equal(2, r.ExitCode);
        Assert.Matches($@"{Regex.Escape(path)}:3:\d+: error: ", r.StdOut);
    }

    [Fact]
    public void A_missing_file_exits_2()
    {
        var r = CliRunner.Run("policy", "check", Path.Combine(_dir, "absent.toml"));

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("absent.toml", r.StdOut);
    }

    [Fact]
    public void A_warning_still_prints_ok_and_exits_0()
    {
        var text = File.ReadAllText(CliRunner.ExamplePolicy).Replace("types = [\"hertz\", \"avis\"]", "types = [\"hertz\", \"avis\", \"sixt\"]");
        var path = Write(text);

        var r = CliRunner.Run("policy", "check", path);

        Assert.Equal(0, r.ExitCode);
        Assert.Contains(": warning: ", r.StdOut);
        Assert.Contains("sixt", r.StdOut);
        Assert.EndsWith("ok", r.StdOut.Trim());
    }

    [Fact]
    public void Unknown_verbs_and_options_exit_2()
    {
        Assert.Equal(2, CliRunner.Run("policy", "frobnicate").ExitCode);
        Assert.Equal(2, CliRunner.Run("policy", "check", CliRunner.ExamplePolicy, "--bogus").ExitCode);
    }
}
