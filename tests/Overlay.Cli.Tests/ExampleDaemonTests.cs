namespace Overlay.Cli.Tests;

/// <summary>
/// Tests of a verb against a real tvd-overlayd started as host2 on examples/policy.toml (no data plane, no IKE: a
/// host alone), in a directory of the test's own that is removed afterwards.
/// </summary>
public abstract class ExampleDaemonTests(string prefix) : IDisposable
{
    private DaemonProcess? _daemon;

    protected string Dir { get; } = Directory.CreateTempSubdirectory(prefix).FullName;

    protected string Socket => Path.Combine(Dir, "run", "control.sock");

    public void Dispose()
    {
        _daemon?.Dispose();
        Directory.Delete(Dir, recursive: true);
        GC.SuppressFinalize(this);
    }

    protected void StartDaemon()
    {
        CliRunner.CopyExamplePolicy(Dir);
        var config = Path.Combine(Dir, "overlayd.toml");
        File.WriteAllText(config, "[daemon]\nhost = \"host2\"\npolicy = \"policy.toml\"\nstate_dir = \"state\"\nruntime_dir = \"run\"\n");
        _daemon = DaemonProcess.Start(config, Socket);
    }
}
