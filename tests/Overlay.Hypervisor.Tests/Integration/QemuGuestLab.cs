using System.Collections.Concurrent;
using System.Diagnostics;
using Overlay.Hypervisor.Backends;
using Overlay.Hypervisor.Domain;
using Overlay.Hypervisor.Guests;
using Overlay.Hypervisor.Libvirt;
using Overlay.Hypervisor.Measurement;
using Overlay.Hypervisor.Tap;
using Overlay.Labels.Compiled;
using Overlay.Labels.Engine;
using Overlay.Labels.Loading;

namespace Overlay.Hypervisor.Tests.Integration;

/// <summary>
/// One test's world on qemu:///system: a policy with two green guests in Chinese Wall conflict (hertz, avis), a
/// LibvirtSession, the libvirt backend and a GuestManager over them, and a peer namespace. Everything it makes
/// is named &lt;prefix&gt;-&lt;pid&gt;… (domains, namespace) or &lt;prefix&gt;&lt;pid&gt;… (TAPs, 15-byte limit; the
/// prefix is thvi unless a test class chooses its own), and Dispose removes it all, whatever state a failed test
/// left: domains destroyed and undefined, TAPs deleted, namespace deleted.
/// </summary>
internal sealed class QemuGuestLab : IDisposable
{
    public const string Host = "thvi-host";
    public const string PeerAddress = "192.168.101.1";

    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(15);

    private readonly QemuHostFixture _host;
    private readonly string _tapPrefix;
    private readonly string _consoleDir;
    private readonly BlockingCollection<GuestAuditEvent> _audit = [];
    private readonly List<GuestAuditEvent> _auditSeen = [];

    public QemuGuestLab(QemuHostFixture host, Backoff? backoff = null, string prefix = "thvi")
    {
        _host = host;
        var pid = Environment.ProcessId;
        _tapPrefix = $"{prefix}{pid}";
        Hertz = $"{prefix}-{pid}-hertz";
        Avis = $"{prefix}-{pid}-avis";
        Namespace = $"{prefix}-{pid}";
        _consoleDir = Path.Combine(Path.GetTempPath(), $"{prefix}-{pid}-console");

        // Clear what an earlier run of this pid may have left (a crash in the middle of a test).
        Dispose(disposeManaged: false);
        Directory.CreateDirectory(_consoleDir);

        Engine = new PolicyEngine(Policy(Hertz, Avis));
        Session = new LibvirtSession(LibvirtConnection.SystemUri, backoff);
        Session.Open();
        Xml = new DomainXmlBuilder(AccelerationProbe.Probe(), _consoleDir);
        Backend = new LibvirtGuestBackend(Session, Xml);
        Manager = new GuestManager(Engine, Host, Backend, Measurer);
        Manager.Audited += _audit.Add;
    }

    /// <summary>The guest of conflict type hertz; its NIC's TAP is thvi&lt;pid&gt;h.</summary>
    public string Hertz { get; }

    /// <summary>The guest of conflict type avis, which may not run on a host where hertz runs.</summary>
    public string Avis { get; }

    public string Namespace { get; }

    public PolicyEngine Engine { get; }

    public LibvirtSession Session { get; }

    public DomainXmlBuilder Xml { get; }

    public LibvirtGuestBackend Backend { get; }

    public Sha256GuestMeasurer Measurer { get; } = new();

    public GuestManager Manager { get; }

    public string TapOf(string guest) => $"{_tapPrefix}{(IsHertz(guest) ? 'h' : 'a')}";

    public static string AddressOf(string guest) => IsHertz(guest) ? "192.168.101.10" : "192.168.101.11";

    /// <summary>The test guest: direct-boot kernel, one virtio NIC on green-net whose TAP carries the test prefix.</summary>
    public GuestSpec Spec(string guest) =>
        new(
            guest,
            [new GuestNic("green-net", TapOf(guest), PortNames.MacFor(guest, 0))],
            [],
            Kernel: _host.Kernel,
            Initrd: _host.Initrd,
            KernelCommandLine: $"console=ttyS0 quiet panic=-1 tvd.ip={AddressOf(guest)}/24 tvd.name={guest}",
            MemoryMiB: 256);

    public string ConsoleLog(string guest)
    {
        var path = Path.Combine(_consoleDir, guest + ".console.log");
        return File.Exists(path) ? File.ReadAllText(path) : $"(no console log at {path})";
    }

    /// <summary>The next audit event of <paramref name="kind"/> for <paramref name="guest"/>, or fails listing what came.</summary>
    public GuestAuditEvent WaitForAudit(GuestAuditKind kind, string guest, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (_audit.TryTake(out var e, timeout - deadline.Elapsed))
            {
                _auditSeen.Add(e);
                if (e.Kind == kind && e.Guest == guest)
                {
                    return e;
                }
            }
        }

        Assert.Fail($"no {kind} for {guest} within {timeout.TotalSeconds:0} s; audit so far:\n{string.Join("\n", _auditSeen)}");
        return null!;
    }

    /// <summary>Moves the guest's TAP into the peer namespace (QEMU keeps its fd) and gives it the peer address.</summary>
    public void MoveTapToPeerNamespace(string guest)
    {
        if (Command.Run("ip", CommandTimeout, "netns", "pids", Namespace).ExitCode != 0)
        {
            Command.Check("ip", CommandTimeout, "netns", "add", Namespace);
        }

        var tap = TapOf(guest);
        Command.Check("ip", CommandTimeout, "link", "set", tap, "netns", Namespace);
        Command.Check("ip", CommandTimeout, "-n", Namespace, "addr", "add", PeerAddress + "/24", "dev", tap);
        Command.Check("ip", CommandTimeout, "-n", Namespace, "link", "set", tap, "up");
    }

    /// <summary>Pings the guest from the peer namespace until it answers; returns how long that took, or null.</summary>
    public TimeSpan? PingUntilAnswered(string guest, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            var ping = Command.Run("ip", CommandTimeout, "netns", "exec", Namespace, "ping", "-c", "1", "-W", "1", AddressOf(guest));
            if (ping.Succeeded)
            {
                return clock.Elapsed;
            }

            Thread.Sleep(100);
        }

        return null;
    }

    /// <summary>Sends a line to the guest's TCP echo service (port 7) from the peer namespace; returns the reply.</summary>
    /// <summary>
    /// The guest's echo service (TCP 7), asked until it echoes <paramref name="line"/> or 30 s pass: under TCG it may
    /// start a few seconds after the network that answered the first ping. Returns the last answer.
    /// </summary>
    public string TcpEcho(string guest, string line)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            string answer = Command.Run(
                "ip", CommandTimeout, "netns", "exec", Namespace, "bash", "-c",
                $"exec 3<>/dev/tcp/{AddressOf(guest)}/7 && echo {line} >&3 && read -t 5 reply <&3 && echo \"$reply\"").Output.Trim();
            if (answer == line || clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                return answer;
            }

            Thread.Sleep(500);
        }
    }

    public bool TapExists(string guest) => TapDevice.Exists(TapOf(guest));

    public static string Virsh(params string[] args) => Command.Check("virsh", CommandTimeout, ["-c", LibvirtConnection.SystemUri, .. args]);

    /// <summary>libvirt's own view of a domain's state ("running", "shut off"), from virsh, not from our binding.</summary>
    public static string DomainState(string guest) => Virsh("domstate", guest).Trim();

    public void Dispose() => Dispose(disposeManaged: true);

    private void Dispose(bool disposeManaged)
    {
        if (disposeManaged)
        {
            Manager.Dispose();
            Backend.Dispose();
            Session.Dispose();
        }

        foreach (var guest in new[] { Hertz, Avis })
        {
            // virsh rather than our binding: cleanup must work even when the code under test is what broke.
            Command.Run("virsh", CommandTimeout, "-c", LibvirtConnection.SystemUri, "destroy", guest);
            Command.Run("virsh", CommandTimeout, "-c", LibvirtConnection.SystemUri, "undefine", guest);
            TapDevice.Delete(TapOf(guest));
        }

        // Deleting the namespace deletes the TAPs moved into it.
        Command.Run("ip", CommandTimeout, "netns", "del", Namespace);
        if (disposeManaged && Directory.Exists(_consoleDir))
        {
            Directory.Delete(_consoleDir, recursive: true);
        }
    }

    private static bool IsHertz(string guest) => guest.EndsWith("-hertz", StringComparison.Ordinal);

    /// <summary>Two green guests whose Chinese Wall types conflict, on one host that may run every type.</summary>
    private static CompiledPolicy Policy(string hertz, string avis)
    {
        var toml = $"""
            [policy]
            name = "thvi"
            version = 1

            [[tvd]]
            name = "green"
            vlan = 103
            label = "tvd:green"

            [[conflict_set]]
            name = "car-rental"
            types = ["hertz", "avis"]

            [[guest]]
            name = "{hertz}"
            types = ["green"]
            cw_types = ["hertz"]
            networks = ["green-net"]

            [[guest]]
            name = "{avis}"
            types = ["green"]
            cw_types = ["avis"]
            networks = ["green-net"]

            [[network]]
            name = "green-net"
            tvd = "green"

            [[host]]
            name = "{Host}"
            types = ["*"]
            """;
        var result = PolicyLoader.Load(toml, "thvi-policy.toml");
        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        return CompiledPolicy.Compile(result.Policy!);
    }
}
