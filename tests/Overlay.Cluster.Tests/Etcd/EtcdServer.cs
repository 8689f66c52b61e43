using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Overlay.Cluster.Store;

namespace Overlay.Cluster.Tests.Etcd;

/// <summary>
/// A real single-member etcd on 127.0.0.1 for one test: a free client and peer port from 23790 upward (random offset,
/// so parallel runs do not collide), a temporary data directory; killed and removed on dispose. It can be stopped
/// and started again on the same ports and data (an etcd restart).
/// </summary>
public sealed class EtcdServer : IDisposable
{
    private readonly string _dataDir;
    private readonly long? _quotaBytes;
    private readonly TestPki? _tls;
    private Process? _process;

    /// <param name="quotaBackendBytes">etcd's --quota-backend-bytes (a small one fills quickly).</param>
    /// <param name="tls">serve https with this PKI's server certificate and require client certificates.</param>
    public EtcdServer(long? quotaBackendBytes = null, TestPki? tls = null)
    {
        _quotaBytes = quotaBackendBytes;
        _tls = tls;
        _dataDir = Directory.CreateTempSubdirectory("tvd-cluster-etcd-").FullName;
        (ClientPort, PeerPort) = FreePorts();
        Endpoint = new Uri($"{(tls is null ? "http" : "https")}://127.0.0.1:{ClientPort}");
        Name = "t";
        InitialCluster = $"t=http://127.0.0.1:{PeerPort}";
        try
        {
            Start();
        }
        catch
        {
            // A member that never became healthy: nothing of it stays behind (the test sees the exception).
            Dispose();
            throw;
        }
    }

    /// <summary>One member of a cluster (<see cref="EtcdCluster"/>): not started until <see cref="Start"/>.</summary>
    internal EtcdServer(string name, int clientPort, int peerPort, string initialCluster)
    {
        _dataDir = Directory.CreateTempSubdirectory("tvd-cluster-etcd-").FullName;
        (Name, ClientPort, PeerPort, InitialCluster) = (name, clientPort, peerPort, initialCluster);
        Endpoint = new Uri($"http://127.0.0.1:{ClientPort}");
    }

    public string Name { get; }

    public string InitialCluster { get; }

    /// <summary>Where etcd is, or null (tests skip visibly: <see cref="EtcdFactAttribute"/>).</summary>
    public static string? Binary { get; } = Find("etcd");

    public static string? CtlBinary { get; } = Find("etcdctl");

    public int ClientPort { get; }

    public int PeerPort { get; }

    public Uri Endpoint { get; }

    public EtcdClusterStore OpenStore(TimeSpan? requestTimeout = null) => new(new ClusterStoreOptions
    {
        Endpoints = [Endpoint],
        DialTimeout = TimeSpan.FromSeconds(1),
        RequestTimeout = requestTimeout ?? TimeSpan.FromSeconds(3),
    });

    public void Start() => Start(waitReady: true);

    internal void Start(bool waitReady)
    {
        if (_process is not null)
        {
            throw new InvalidOperationException("etcd is already running");
        }

        var psi = new ProcessStartInfo(Binary ?? throw new InvalidOperationException("etcd is not installed"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string peer = $"http://127.0.0.1:{PeerPort}";
        foreach (string a in new[]
        {
            "--name", Name, "--data-dir", _dataDir,
            "--listen-client-urls", Endpoint.ToString().TrimEnd('/'), "--advertise-client-urls", Endpoint.ToString().TrimEnd('/'),
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", InitialCluster,
            "--heartbeat-interval", "100", "--election-timeout", "1000",
            "--log-level", "error", "--logger", "zap",
        })
        {
            psi.ArgumentList.Add(a);
        }

        if (_tls is { } pki)
        {
            foreach (string a in new[] { "--cert-file", pki.ServerCert, "--key-file", pki.ServerKey, "--client-cert-auth", "--trusted-ca-file", pki.CaCert })
            {
                psi.ArgumentList.Add(a);
            }
        }

        if (_quotaBytes is { } q)
        {
            psi.ArgumentList.Add("--quota-backend-bytes");
            psi.ArgumentList.Add(q.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        _process = p;
        if (waitReady)
        {
            WaitReady();
        }
    }

    /// <summary>Kill etcd (SIGKILL: a crash, not a clean stop); the data directory stays for <see cref="Start"/>.</summary>
    public void Kill()
    {
        if (_process is null)
        {
            return;
        }

        try
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
        _process = null;
    }

    /// <summary>Kill etcd, throw its data away and start a new, empty one on the same ports (a store replaced or
    /// restored from an old backup: its revision starts again from 1).</summary>
    public void Wipe()
    {
        Kill();
        Directory.Delete(_dataDir, recursive: true);
        Directory.CreateDirectory(_dataDir);
        Start();
    }

    /// <summary>Run etcdctl against this member; returns its exit code and output.</summary>
    public (int Code, string Output) Ctl(params string[] args)
    {
        var psi = new ProcessStartInfo(CtlBinary ?? throw new InvalidOperationException("etcdctl is not installed"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.Environment["ETCDCTL_API"] = "3";
        if (_tls is { } pki)
        {
            // By name: the test PKI's server certificate may name only localhost.
            psi.ArgumentList.Add($"--endpoints=https://localhost:{ClientPort}");
            psi.ArgumentList.Add("--cacert=" + pki.CaCert);
            psi.ArgumentList.Add("--cert=" + pki.ClientCert);
            psi.ArgumentList.Add("--key=" + pki.ClientKey);
        }
        else
        {
            psi.ArgumentList.Add("--endpoints=" + Endpoint.ToString().TrimEnd('/'));
        }

        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(30_000))
        {
            p.Kill();
            return (-1, "etcdctl timed out");
        }

        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    public void Dispose()
    {
        Kill();
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is not a test failure.
        }
    }

    internal void WaitReady()
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"etcd exited with {_process.ExitCode} at start");
            }

            var (code, _) = Ctl("endpoint", "health", "--command-timeout=1s");
            if (code == 0)
            {
                return;
            }

            Thread.Sleep(100);
        }

        throw new TimeoutException("etcd did not become healthy within 20 s");
    }

    internal static (int Client, int Peer) FreePorts()
    {
        int offset = Random.Shared.Next(0, 4000);
        for (int i = 0; i < 2000; i += 2)
        {
            int client = 23790 + ((offset + i) % 4000);
            if (IsFree(client) && IsFree(client + 1))
            {
                return (client, client + 1);
            }
        }

        throw new InvalidOperationException("no free port pair from 23790");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var l = new TcpListener(IPAddress.Loopback, port);
            l.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':')
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
}

/// <summary>A fact that needs the real etcd and etcdctl binaries (Debian etcd-server, etcd-client): skipped with the
/// reason, never passed, without them.</summary>
public sealed class EtcdFactAttribute : FactAttribute
{
    public EtcdFactAttribute()
    {
        if (EtcdServer.Binary is null || EtcdServer.CtlBinary is null)
        {
            Skip = "needs etcd and etcdctl on PATH (apt-get install etcd-server etcd-client; scripts/deps.sh test)";
        }
    }
}

/// <summary>The etcd tests run one at a time: each starts its own member, and the machine is small.</summary>
[CollectionDefinition("etcd", DisableParallelization = true)]
public sealed class EtcdCollection
{
}
