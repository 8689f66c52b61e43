using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Overlay.Cli.Tests.Cluster;

/// <summary>
/// A real single-member etcd (Debian etcd-server) on 127.0.0.1, on a free client port from 23790 up with a random
/// offset (helpers and parallel tests do not collide), with its own temporary data directory. Killed and removed on
/// dispose. <see cref="Stop"/> kills it early, for the store-down cases.
/// </summary>
public sealed class EtcdServer : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    private readonly string _dataDir = Directory.CreateTempSubdirectory("tvdctl-etcd-").FullName;
    private readonly Process _process;
    private readonly StringWriter _log = new();
    private readonly string[] _extra;
    private readonly EtcdTls? _tls;

    /// <summary>Starts etcd with <paramref name="extraArgs"/> appended (e.g. <c>--quota-backend-bytes</c>).</summary>
    public EtcdServer(params string[] extraArgs)
        : this(null, extraArgs)
    {
    }

    /// <summary>Starts etcd serving https with <paramref name="tls"/>'s server certificate, requiring client certificates.</summary>
    public EtcdServer(EtcdTls tls)
        : this(tls, [])
    {
    }

    private EtcdServer(EtcdTls? tls, string[] extraArgs)
    {
        _tls = tls;
        _extra = tls is null ? extraArgs :
        [
            .. extraArgs, "--cert-file", tls.ServerCert, "--key-file", tls.ServerKey,
            "--client-cert-auth", "--trusted-ca-file", tls.Ca,
        ];
        Exception? last = null;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var port = FreePortPair();
            ClientPort = port;
            try
            {
                _process = Start(port);
                WaitHealthy();
                return;
            }
            catch (Exception e) when (e is TimeoutException or InvalidOperationException)
            {
                last = e;
                Stop();
                Directory.Delete(_dataDir, recursive: true);
                Directory.CreateDirectory(_dataDir);
            }
        }

        throw new InvalidOperationException("etcd did not start: " + last?.Message + "\n" + _log);
    }

    public int ClientPort { get; }

    public string Url => $"{(_tls is null ? "http" : "https")}://127.0.0.1:{ClientPort}";

    /// <summary>Path of the etcd binary (or <paramref name="name"/>), or null (the fact is then skipped, visibly).</summary>
    public static string? Find(string name = "etcd") =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    /// <summary>Runs etcdctl against this member (an operator's commands: auth, compact, defrag, alarm).</summary>
    internal CliRunner.Result Etcdctl(params string[] args) =>
        CliRunner.Exec(null, Find("etcdctl") ?? "etcdctl",
            [.. _tls is null ? [] : new[] { "--cacert", _tls.Ca, "--cert", _tls.ClientCert, "--key", _tls.ClientKey }, "--endpoints", Url, .. args]);

    /// <summary>Freezes etcd (SIGSTOP): clients connect (the kernel accepts) but get no answer until <see cref="Resume"/>.</summary>
    public void Pause() => Signal("-STOP");

    public void Resume() => Signal("-CONT");

    private void Signal(string signal) =>
        Assert.Equal(0, CliRunner.Exec(null, "kill", signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)).ExitCode);

    public void Stop()
    {
        if (_process is { HasExited: false })
        {
            CliRunner.Exec(null, "kill", "-CONT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)); // a paused one dies too
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
    }

    public void Dispose()
    {
        Stop();
        _process?.Dispose();
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private Process Start(int port)
    {
        var psi = new ProcessStartInfo(Find() ?? "etcd")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var peer = $"http://127.0.0.1:{port + 1}";
        foreach (var a in new[]
                 {
                     "--name", "t", "--data-dir", _dataDir,
                     "--listen-client-urls", Url, "--advertise-client-urls", Url,
                     "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                     "--initial-cluster", "t=" + peer, "--initial-cluster-state", "new",
                     "--log-level", "warn",
                 }.Concat(_extra))
        {
            psi.ArgumentList.Add(a);
        }

        var process = Process.Start(psi) ?? throw new InvalidOperationException("etcd did not start");
        process.OutputDataReceived += (_, e) => Log(e.Data);
        process.ErrorDataReceived += (_, e) => Log(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private void Log(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.WriteLine(line);
            }
        }
    }

    private void WaitHealthy()
    {
        if (_tls is not null)
        {
            WaitHealthyByEtcdctl();
            return;
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartTimeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"etcd exited with {_process.ExitCode}");
            }

            try
            {
                var body = http.GetStringAsync(Url + "/health").GetAwaiter().GetResult();
                if (body.Contains("\"health\":\"true\"", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            Thread.Sleep(100);
        }

        throw new TimeoutException($"etcd on {Url} not healthy within {StartTimeout.TotalSeconds} s");
    }

    private void WaitHealthyByEtcdctl()
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartTimeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"etcd exited with {_process.ExitCode}");
            }

            if (Etcdctl("endpoint", "health", "--command-timeout", "1s").ExitCode == 0)
            {
                return;
            }

            Thread.Sleep(200);
        }

        throw new TimeoutException($"etcd on {Url} not healthy within {StartTimeout.TotalSeconds} s");
    }

    /// <summary>A port P from 23790 + random with P and P+1 (client, peer) both free right now.</summary>
    private static int FreePortPair()
    {
        for (var i = 0; i < 100; i++)
        {
            var port = 23790 + (Random.Shared.Next(0, 2000) * 2);
            if (Free(port) && Free(port + 1))
            {
                return port;
            }
        }

        throw new InvalidOperationException("no free port pair from 23790 up");
    }

    private static bool Free(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

/// <summary>A fact that needs a real etcd and etcdctl (Debian etcd-server, etcd-client: scripts/deps.sh); skipped, visibly, without them.</summary>
public sealed class EtcdFactAttribute : FactAttribute
{
    public EtcdFactAttribute()
    {
        if (EtcdServer.Find() is null || EtcdServer.Find("etcdctl") is null)
        {
            Skip = "needs etcd and etcdctl on PATH (Debian packages etcd-server, etcd-client: scripts/deps.sh installs them)";
        }
    }
}
