using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Overlay.Daemon.Tests.Support;

/// <summary>
/// The real tvd-overlayd binary as a child process, in a scratch directory holding its config, a copy of
/// examples/policy.toml, its state dir and its runtime dir. Disposing kills it if still running and
/// removes the directory.
/// </summary>
public sealed class DaemonProcess : IDisposable
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(20);

    /// <summary>How long an expected log line may trail the state it reports.</summary>
    public static readonly TimeSpan OutputTimeout = TimeSpan.FromSeconds(10);

    private readonly StringBuilder _output = new();
    private Process? _process;
    private bool _ready;

    public DaemonProcess(string host = "host1", string extraConfig = "")
    {
        File.Copy(RepoFiles.ExamplePolicy, PolicyFile);
        File.Copy(Path.Combine(Path.GetDirectoryName(RepoFiles.ExamplePolicy)!, "reference.txt"), Path.Combine(Path.GetDirectoryName(PolicyFile)!, "reference.txt"));
        File.WriteAllText(ConfigFile, $"""
            [daemon]
            host = "{host}"
            policy = "policy.toml"
            state_dir = "state"
            runtime_dir = "run"
            {extraConfig}
            """);
    }

    public static string Binary => Path.Combine(AppContext.BaseDirectory, "tvd-overlayd");

    public TempDirectory Directory { get; } = new();

    public string ConfigFile => Directory.File("overlayd.toml");

    public string PolicyFile => Directory.File("policy.toml");

    public string RuntimeDirectory => Directory.File("run");

    public string SocketPath => Path.Combine(RuntimeDirectory, "control.sock");

    public int Pid => _process?.Id ?? throw new InvalidOperationException("not started");

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts the daemon (optionally through <paramref name="launcher"/>, e.g. a parent named systemd).</summary>
    public void Start(IReadOnlyDictionary<string, string>? environment = null, IReadOnlyList<string>? launcher = null, string? configFile = null)
    {
        var start = new ProcessStartInfo
        {
            FileName = launcher?[0] ?? Binary,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Directory.Path,
        };
        foreach (string arg in launcher?.Skip(1) ?? [])
        {
            start.ArgumentList.Add(arg);
        }

        if (launcher is not null)
        {
            start.ArgumentList.Add(Binary);
        }

        start.ArgumentList.Add("--config");
        start.ArgumentList.Add(configFile ?? ConfigFile);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("tvd-overlayd did not start");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Starts the daemon and waits until its control socket answers status.</summary>
    public async Task<JsonElement> StartAndWaitReadyAsync(IReadOnlyDictionary<string, string>? environment = null, IReadOnlyList<string>? launcher = null)
    {
        Start(environment, launcher);
        return await WaitReadyAsync();
    }

    public async Task<JsonElement> WaitReadyAsync()
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < StartTimeout)
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"tvd-overlayd exited with {_process.ExitCode} before it was ready:\n{Output}");
            }

            if (File.Exists(SocketPath))
            {
                try
                {
                    JsonElement status = await ControlSocketClient.StatusAsync(SocketPath);
                    _ready = true;
                    return status;
                }
                catch (SocketException)
                {
                    // Bound but not yet listening; try again.
                }
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"tvd-overlayd not ready within {StartTimeout}:\n{Output}");
    }

    /// <summary>Polls status until <paramref name="done"/> holds for it (bounded), and returns that status.</summary>
    public async Task<JsonElement> WaitForStatusAsync(Func<JsonElement, bool> done, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        JsonElement status = default;
        while (clock.Elapsed < (timeout ?? ExitTimeout))
        {
            status = await ControlSocketClient.StatusAsync(SocketPath);
            if (done(status))
            {
                return status;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"status never reached the expected state; last: {status}\n{Output}");
    }

    /// <summary>
    /// Asserts that the output holds <paramref name="text"/>, waiting for it (bounded): the console logger writes
    /// from a queue, so a line can trail the state that status already shows.
    /// </summary>
    public async Task ExpectOutputAsync(string text) =>
        Assert.Contains(text, await OutputWhenAsync(o => o.Contains(text, StringComparison.Ordinal)), StringComparison.Ordinal);

    /// <summary>As <see cref="ExpectOutputAsync"/> for a regular expression.</summary>
    public async Task ExpectOutputMatchAsync(string pattern) =>
        Assert.Matches(pattern, await OutputWhenAsync(o => System.Text.RegularExpressions.Regex.IsMatch(o, pattern)));

    private async Task<string> OutputWhenAsync(Func<string, bool> done)
    {
        var clock = Stopwatch.StartNew();
        string output = Output;
        while (!done(output) && clock.Elapsed < OutputTimeout)
        {
            await Task.Delay(50);
            output = Output;
        }

        return output;
    }

    public void Signal(int signal) => Signals.Send(Pid, signal);

    /// <summary>
    /// Waits for the exit: <see cref="ExitTimeout"/> for a daemon that was ready, and its start-up on top for one
    /// expected to stop before it is (a config or bind error found during start-up).
    /// </summary>
    public async Task<int> WaitForExitAsync()
    {
        TimeSpan limit = _ready ? ExitTimeout : StartTimeout + ExitTimeout;
        using var deadline = new CancellationTokenSource(limit);
        try
        {
            await _process!.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"tvd-overlayd still running after {limit}:\n{Output}");
        }

        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }

        _process?.Dispose();
        Directory.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
