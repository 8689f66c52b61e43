using System.Diagnostics;

namespace Overlay.Ike.Tests.Net;

/// <summary>
/// A real strongSwan 5.9.8 charon responder in its own network namespace, reached over a veth
/// pair from the test's namespace (the setup of ENVIRONMENT.md §8 and Fixtures/strongswan/capture).
/// Everything it creates is named tikx-* and removed in Dispose, even after a failed start.
/// charon hard-codes its pid file under /run, so it runs in a private mount namespace whose
/// /run is a directory of this run.
/// </summary>
public sealed class CharonNamespace : IDisposable
{
    public const string CharonPath = "/usr/lib/ipsec/charon";
    public const string Psk = "tikx-interop-psk-not-secret";

    private readonly string _ns;
    private readonly string _outer;
    private readonly string _run;
    private readonly CharonSetup _setup;
    private Process? _charon;

    public CharonNamespace(CharonSetup? setup = null)
    {
        _setup = setup ?? new CharonSetup();
        var id = Environment.ProcessId % 10000;
        _ns = $"tikx-ns{id}";
        _outer = $"tikx-o{id}";
        var subnet = 10 + id % 200;
        LocalAddress = $"10.253.{subnet}.1";
        CharonAddress = $"10.253.{subnet}.2";
        _run = Directory.CreateTempSubdirectory("tikx-charon.").FullName;
        try
        {
            Setup(id);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Why the test cannot run here, or null: needs root and the charon binary.</summary>
    public static string? SkipReason()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            return "needs root on Linux to create network namespaces and bind UDP 500/4500";
        }

        return File.Exists(CharonPath) && File.Exists("/usr/sbin/swanctl")
            ? null
            : "strongSwan is not installed (apt-get install strongswan-charon strongswan-swanctl libstrongswan-standard-plugins libstrongswan-extra-plugins libcharon-extra-plugins)";
    }

    /// <summary>Our address on the veth in the test's namespace.</summary>
    public string LocalAddress { get; }

    public string CharonAddress { get; }

    public string Log => File.Exists(Path.Combine(_run, "charon.log")) ? File.ReadAllText(Path.Combine(_run, "charon.log")) : "";

    private void Setup(int id)
    {
        Run("ip", $"netns add {_ns}");
        Run("ip", $"link add {_outer} type veth peer name tikx-p{id}");
        Run("ip", $"link set tikx-p{id} netns {_ns}");
        Run("ip", $"addr add {LocalAddress}/24 dev {_outer}");
        Run("ip", $"link set {_outer} up");
        Run("ip", $"-n {_ns} addr add {CharonAddress}/24 dev tikx-p{id}");
        // The protected subnet lives on a veth stub inside the namespace (libipsec needs a local
        // address in local_ts for its route; the kernel has no dummy driver here).
        Run("ip", $"-n {_ns} link add tikx-i{id} type veth peer name tikx-j{id}");
        Run("ip", $"-n {_ns} addr add 10.13.2.1/24 dev tikx-i{id}");
        foreach (var dev in new[] { "lo", $"tikx-p{id}", $"tikx-i{id}", $"tikx-j{id}" })
        {
            Run("ip", $"-n {_ns} link set {dev} up");
        }

        Directory.CreateDirectory(Path.Combine(_run, "run"));
        File.WriteAllText(Path.Combine(_run, "strongswan.conf"), StrongSwanConf());
        WriteSwanctlDir();
        var start = new ProcessStartInfo("ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[] { "netns", "exec", _ns, "unshare", "-m", "--propagation", "private", "sh", "-c",
                     $"mount --bind {_run}/run /run && exec env STRONGSWAN_CONF={_run}/strongswan.conf {CharonPath}" })
        {
            start.ArgumentList.Add(a);
        }

        _charon = Process.Start(start)!;
        _charon.OutputDataReceived += (_, _) => { };
        _charon.ErrorDataReceived += (_, _) => { };
        _charon.BeginOutputReadLine();
        _charon.BeginErrorReadLine();
        var vici = Path.Combine(_run, "charon.vici");
        for (var i = 0; i < 100 && !File.Exists(vici); i++)
        {
            Thread.Sleep(100);
        }

        if (!File.Exists(vici))
        {
            throw new InvalidOperationException("charon did not open its vici socket within 10 s:\n" + Log);
        }

        Swanctl($"--load-all --file {SwanctlDir}/swanctl.conf");
        // esp_proposals has no -esn: kernel-libipsec cannot install ESN SAs ("unable to install
        // inbound and outbound IPsec SA (SAD) in kernel"), so charon must pick our no-ESN proposal.
    }

    /// <summary>Kills charon without any goodbye, as a crashed or unplugged peer (dead-peer tests).</summary>
    public void KillCharon()
    {
        if (_charon is { HasExited: false })
        {
            _charon.Kill(entireProcessTree: true);
            _charon.WaitForExit(5000);
        }
    }

    /// <summary>Runs swanctl against this charon; returns its output (throws on a non-zero exit).</summary>
    public string Swanctl(string args) => Run("swanctl", $"{args} --uri unix://{_run}/charon.vici", SwanctlDir);

    /// <summary>swanctl's credential directory (x509/, x509ca/, private/), found through SWANCTL_DIR.</summary>
    private string SwanctlDir => Path.Combine(_run, "swanctl");

    private void WriteSwanctlDir()
    {
        foreach (var dir in new[] { "x509", "x509ca", "private" })
        {
            Directory.CreateDirectory(Path.Combine(SwanctlDir, dir));
        }

        foreach (var (name, pem) in _setup.Files)
        {
            File.WriteAllText(Path.Combine(SwanctlDir, name), pem);
        }

        File.WriteAllText(Path.Combine(SwanctlDir, "swanctl.conf"), SwanctlConf());
    }

    private static string Run(string file, string args, string? swanctlDir = null)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (swanctlDir is not null)
        {
            psi.Environment["SWANCTL_DIR"] = swanctlDir;
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(20_000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {args} did not finish in 20 s");
        }

        var output = stdout.Result + stderr.Result;
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {args} exited {p.ExitCode}: {output}");
        }

        return output;
    }

    private string StrongSwanConf() => $$"""
        charon {
          load_modular = no
          load = random nonce kdf openssl aes gcm sha1 sha2 hmac curve25519 pem pkcs1 pkcs8 pubkey x509 kernel-libipsec kernel-netlink socket-default vici
          port = 500
          port_nat_t = 4500
          fragment_size = {{_setup.FragmentSize}}
          install_routes = yes
          routing_table = 220
          routing_table_prio = 220
          plugins {
            vici {
              socket = unix://{{_run}}/charon.vici
            }
          }
          filelog {
            main {
              path = {{_run}}/charon.log
              default = 1
              ike = 2
              cfg = 2
              flush_line = yes
            }
          }
          syslog {
            daemon {
              default = -1
            }
          }
        }
        """;

    private string SwanctlConf() => $$"""
        connections {
          tvd {
            version = 2
            local_addrs = {{CharonAddress}}
            remote_addrs = {{LocalAddress}}
            proposals = aes256gcm16-prfsha384-x25519
            rekey_time = 0
            mobike = no
            fragmentation = {{_setup.Fragmentation}}
            local {
              {{_setup.Local}}
            }
            remote {
              {{_setup.Remote}}
            }
            children {
              red {
                mode = tunnel
                local_ts = 10.13.2.0/24
                remote_ts = 10.13.1.0/24
                esp_proposals = aes256gcm16
                label = tvd:red
                label_mode = simple
                rekey_time = 0
                start_action = none
              }
            }
          }
        }
        secrets {
          ike-tikx {
            id-a = hostA
            id-b = hostB
            secret = "{{Psk}}"
          }
        }
        """;

    public void Dispose()
    {
        if (_charon is { HasExited: false })
        {
            _charon.Kill(entireProcessTree: true);
            _charon.WaitForExit(5000);
        }

        _charon?.Dispose();
        try
        {
            Run("ip", $"netns del {_ns}"); // removes the inner veths and, with its peer, {_outer}
        }
        catch (InvalidOperationException)
        {
            // the namespace was never created
        }

        try
        {
            Run("ip", $"link del {_outer}");
        }
        catch (InvalidOperationException)
        {
            // already gone with its peer
        }

        Directory.Delete(_run, recursive: true);
    }
}

/// <summary>
/// What a <see cref="CharonNamespace"/> differs in between tests: fragmentation, how each side
/// authenticates (swanctl.conf local/remote sections), and credential files (PEM) placed in the
/// swanctl directory by relative path ("x509/hostB.pem", "x509ca/ca.pem", "private/hostB.pem").
/// The defaults are PSK with ids hostB (charon) and hostA (us).
/// </summary>
public sealed record CharonSetup
{
    /// <summary>charon.fragment_size: the largest IKE datagram charon sends before fragmenting (strongSwan's default 1280).</summary>
    public int FragmentSize { get; init; } = 1280;

    /// <summary>swanctl.conf fragmentation = yes | accept | force | no.</summary>
    public string Fragmentation { get; init; } = "yes";

    public string Local { get; init; } = "auth = psk\n              id = hostB";

    public string Remote { get; init; } = "auth = psk\n              id = hostA";

    public IReadOnlyDictionary<string, string> Files { get; init; } = new Dictionary<string, string>();
}
