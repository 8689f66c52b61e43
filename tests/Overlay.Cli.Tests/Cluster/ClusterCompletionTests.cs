namespace Overlay.Cli.Tests.Cluster;

/// <summary>
/// Bash completion of the cluster verbs through the packaged completion file (packaging/tvdctl.bash-completion) and the
/// real tvdctl: what a user gets pressing Tab.
/// </summary>
public sealed class ClusterCompletionTests : IDisposable
{
    private const string Driver = """
        source "$1"
        tvdctl() { dotnet "$DLL" "$@"; }
        COMP_LINE=$2; COMP_POINT=${#COMP_LINE}
        read -ra COMP_WORDS <<<"$COMP_LINE"; [[ $COMP_LINE == *" " ]] && COMP_WORDS+=("")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        _tvdctl
        printf '%s\n' "${COMPREPLY[@]}"
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("tvdctl-complete-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string[] Complete(string line, string? cluster = null)
    {
        var script = Path.Combine(_dir, "driver.sh");
        File.WriteAllText(script, Driver);
        var environment = new Dictionary<string, string> { ["DLL"] = Path.Combine(AppContext.BaseDirectory, "tvdctl.dll") };
        if (cluster is not null)
        {
            environment["TVD_CLUSTER"] = cluster;
        }

        var file = Path.Combine(CliRunner.RepoRoot(), "packaging", "tvdctl.bash-completion");
        var r = CliRunner.Exec(environment, "bash", script, file, line);
        Assert.Equal(0, r.ExitCode);
        return r.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    [Fact]
    public void The_cluster_verbs_and_their_options_complete()
    {
        Assert.Equal(["push"], Complete("tvdctl policy pu"));
        Assert.Equal(["host", "hosts"], Complete("tvdctl ho").Order());
        Assert.Equal(["enroll"], Complete("tvdctl host en"));
        Assert.Contains("--no-ak", Complete("tvdctl host enroll h1 --"));
        Assert.Contains("--password-file", Complete("tvdctl policy rollout --"));
        Assert.Equal(["/tvd-overlay/"], Complete("tvdctl hosts --prefix "));
        Assert.Equal(["http://10.0.0.1:2379,http://10.0.0.2:2379"], Complete("tvdctl hosts --cluster ", "http://10.0.0.1:2379,http://10.0.0.2:2379"));
    }

    [Fact]
    public void A_key_file_completes_as_a_file_name()
    {
        File.WriteAllText(Path.Combine(_dir, "h1-ak.pem"), "");

        Assert.Equal([Path.Combine(_dir, "h1-ak.pem")], Complete($"tvdctl host enroll h1 --ak {_dir}/h1-"));
    }
}
