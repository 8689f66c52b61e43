using System.Diagnostics;
using System.Security.Cryptography;
using System.Xml.Linq;
using Overlay.Hypervisor.Guests;
using Overlay.Hypervisor.Libvirt;
using Overlay.Hypervisor.Tests.Support;
using Xunit.Abstractions;

namespace Overlay.Hypervisor.Tests.Integration;

/// <summary>
/// GuestManager and the libvirt backend against a real libvirtd on qemu:///system, with real TCG guests (the
/// kernel and busybox initramfs of scripts/guest-image.sh) on real TAPs, reached from a real namespace. Each test
/// boots at most two guests (~6 s each under TCG); every wait is bounded. In the libvirt collection, so no other
/// libvirt test runs meanwhile and the collection's handle-leak check covers these too.
/// </summary>
[Collection(LibvirtCollection.Name)]
public sealed class QemuGuestTests : IClassFixture<QemuHostFixture>, IDisposable
{
    /// <summary>TCG boot to first ping is ~5.6 s on an idle machine; 60 s leaves room for a busy one.</summary>
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Lifecycle event → manager → virDomainDestroy takes well under a second; 30 s is the bound.</summary>
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(30);

    private readonly QemuHostFixture _host;
    private readonly ITestOutputHelper _output;
    private QemuGuestLab? _lab;

    public QemuGuestTests(QemuHostFixture host, ITestOutputHelper output)
    {
        _host = host;
        _output = output;
    }

    private QemuGuestLab Lab => _lab ?? throw new InvalidOperationException("call Begin() first");

    public void Dispose() => _lab?.Dispose();

    [QemuSystemFact]
    public void A_guest_started_through_the_manager_boots_on_our_tap_and_answers_from_a_namespace()
    {
        var lab = Begin();
        var spec = lab.Spec(lab.Hertz);
        Assert.True(lab.Manager.Define(spec).Succeeded);
        Assert.False(lab.TapExists(lab.Hertz), "the TAP is made at start, not at define");

        var clock = Stopwatch.StartNew();
        var started = lab.Manager.Start(lab.Hertz);
        var startCall = clock.Elapsed;

        Assert.True(started.Succeeded, started.ToString());
        Assert.Equal("running", QemuGuestLab.DomainState(lab.Hertz));
        AssertRunsWhatWasMeasured(lab, spec);

        lab.MoveTapToPeerNamespace(lab.Hertz);
        var pinged = lab.PingUntilAnswered(lab.Hertz, BootTimeout);
        Assert.True(pinged is not null, $"no ping answer within {BootTimeout.TotalSeconds:0} s; console:\n{lab.ConsoleLog(lab.Hertz)}");
        _output.WriteLine($"Start() returned in {startCall.TotalMilliseconds:0} ms; first ping answered {(startCall + pinged.Value).TotalSeconds:0.0} s after Start()");

        var token = $"thvi-echo-{Environment.ProcessId}";
        Assert.Equal(token, lab.TcpEcho(lab.Hertz, token));
        Assert.Contains($"tvd-guest: ready name={lab.Hertz} ip=192.168.101.10/24 mac={spec.Nics[0].MacAddress}", lab.ConsoleLog(lab.Hertz));

        Assert.True(lab.Manager.Stop(lab.Hertz).Succeeded);
        Assert.Equal("shut off", QemuGuestLab.DomainState(lab.Hertz));
        Assert.True(lab.Manager.Undefine(lab.Hertz).Succeeded);
        Assert.False(QemuGuestLab.Virsh("list", "--all", "--name").Contains(lab.Hertz, StringComparison.Ordinal));
    }

    [QemuSystemFact]
    public void A_guest_in_Chinese_Wall_conflict_with_a_running_one_is_refused_before_libvirt_is_asked()
    {
        var lab = Begin();
        Assert.True(lab.Manager.Define(lab.Spec(lab.Hertz)).Succeeded);
        Assert.True(lab.Manager.Define(lab.Spec(lab.Avis)).Succeeded);
        Assert.True(lab.Manager.Start(lab.Hertz).Succeeded);
        var avisEvents = new List<DomainLifecycleEvent>();
        lab.Session.DomainLifecycle += e =>
        {
            if (e.DomainName == lab.Avis)
            {
                lock (avisEvents)
                {
                    avisEvents.Add(e);
                }
            }
        };

        var result = lab.Manager.Start(lab.Avis);

        Assert.Equal(GuestOutcome.Refused, result.Outcome);
        Assert.Equal(
            $"deny: chinese-wall: type avis of guest {lab.Avis} conflicts with type hertz of running guest {lab.Hertz} on host {QemuGuestLab.Host} (conflict set car-rental)",
            result.Message);
        Assert.Equal(GuestAuditKind.StartRefused, lab.WaitForAudit(GuestAuditKind.StartRefused, lab.Avis, EventTimeout).Kind);

        // Not asked: no TAP made, nothing measured, the domain never left "shut off", and libvirt reported nothing.
        Assert.False(lab.TapExists(lab.Avis));
        Assert.DoesNotContain(lab.Measurer.Entries, m => m.Name.Contains(lab.Avis, StringComparison.Ordinal));
        Assert.Equal("shut off", QemuGuestLab.DomainState(lab.Avis));
        Thread.Sleep(500); // an event, had there been a start, arrives within milliseconds
        lock (avisEvents)
        {
            Assert.Empty(avisEvents);
        }

        Assert.Equal("running", QemuGuestLab.DomainState(lab.Hertz));
    }

    [QemuSystemFact]
    public void A_conflicting_guest_started_with_virsh_behind_our_back_is_destroyed_by_the_event_handler()
    {
        var lab = Begin();
        Assert.True(lab.Manager.Define(lab.Spec(lab.Hertz)).Succeeded);
        Assert.True(lab.Manager.Define(lab.Spec(lab.Avis)).Succeeded);
        Assert.True(lab.Manager.Start(lab.Hertz).Succeeded);

        // An operator makes the TAP the definition names (managed='no' needs it) and starts the domain by hand.
        Hypervisor.Tap.TapDevice.CreatePersistent(lab.TapOf(lab.Avis));
        var clock = Stopwatch.StartNew();
        QemuGuestLab.Virsh("start", lab.Avis);

        var destroyed = lab.WaitForAudit(GuestAuditKind.OutOfBandDestroyed, lab.Avis, EventTimeout);
        _output.WriteLine($"virsh start → destroyed by the manager in {clock.Elapsed.TotalMilliseconds:0} ms: {destroyed.Detail}");

        Assert.StartsWith($"deny: chinese-wall: type avis of guest {lab.Avis} conflicts with type hertz", destroyed.Detail);
        Assert.Equal("shut off", QemuGuestLab.DomainState(lab.Avis));
        Assert.False(lab.TapExists(lab.Avis), "the manager removes the ports of the guest it destroyed");
        Assert.Equal("running", QemuGuestLab.DomainState(lab.Hertz));
        Assert.Equal([lab.Hertz], lab.Manager.List().Where(g => g.State == GuestState.Running).Select(g => g.Name));
    }

    [OwnLibvirtdFact]
    public void The_session_reconnects_after_libvirtd_is_killed_and_restarted_and_events_flow_again()
    {
        var lab = Begin(new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1)));
        var pid = LibvirtdScript.OwnPid();
        Assert.True(pid is not null, "the libvirtd in use was not started by scripts/libvirtd.sh; it must not be killed");
        Assert.True(lab.Session.Connection.KeepAliveEnabled, "qemu:///system goes through libvirtd's socket, which has keepalive");
        Assert.True(lab.Manager.Define(lab.Spec(lab.Hertz)).Succeeded);
        Assert.True(lab.Manager.Start(lab.Hertz).Succeeded);
        using var reconnected = new ManualResetEventSlim();
        lab.Session.Reconnected += reconnected.Set;

        var clock = Stopwatch.StartNew();
        Command.Check("kill", TimeSpan.FromSeconds(5), "-KILL", pid.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(
            SpinWait.SpinUntil(() => !lab.Session.IsConnected, TimeSpan.FromSeconds(15)),
            "the session did not notice libvirtd's death within 15 s");
        var noticed = clock.Elapsed;
        var restart = LibvirtdScript.Start();
        var restarted = clock.Elapsed;
        Assert.True(reconnected.Wait(TimeSpan.FromSeconds(30)), $"no reconnect within 30 s of libvirtd answering again:\n{restart}");
        _output.WriteLine(
            $"killed libvirtd {pid}: lost after {noticed.TotalMilliseconds:0} ms, restarted after {restarted.TotalSeconds:0.0} s, "
            + $"reconnected after {clock.Elapsed.TotalSeconds:0.0} s ({lab.Session.Reconnects} reconnect)");

        Assert.Equal(1, lab.Session.Reconnects);
        Assert.NotEqual(pid, LibvirtdScript.OwnPid());

        // QEMU outlived libvirtd, and the new libvirtd found the guest again: nothing to reconcile.
        Assert.True(lab.Backend.IsRunning(lab.Hertz));
        Assert.Equal(0, lab.Manager.Reconcile());

        // Events flow on the new connection: a destroy behind our back reaches the manager, which releases the guest.
        QemuGuestLab.Virsh("destroy", lab.Hertz);
        lab.WaitForAudit(GuestAuditKind.StoppedOutsideDaemon, lab.Hertz, EventTimeout);
        Assert.DoesNotContain(lab.Manager.List(), g => g.State == GuestState.Running);
        Assert.False(lab.TapExists(lab.Hertz), "the manager removes the ports of a guest stopped outside it");
    }

    private QemuGuestLab Begin(Backoff? backoff = null)
    {
        _host.EnsureReady();
        _output.WriteLine(_host.Report);
        _lab = new QemuGuestLab(_host, backoff);
        return _lab;
    }

    /// <summary>The measured launch saw the very files and definition libvirt now runs.</summary>
    private static void AssertRunsWhatWasMeasured(QemuGuestLab lab, GuestSpec spec)
    {
        var prefix = $"tvd:green/{spec.Name}/";
        var measured = lab.Measurer.Entries.ToDictionary(e => e.Name, e => e.DigestHex);
        Assert.Equal(Sha256Of(spec.Kernel!), measured[prefix + "kernel"]);
        Assert.Equal(Sha256Of(spec.Initrd!), measured[prefix + "initrd"]);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(lab.Backend.Definition(spec))), measured[prefix + "definition"]);

        var live = XElement.Parse(QemuGuestLab.Virsh("dumpxml", spec.Name));
        var os = live.Element("os")!;
        Assert.Equal(spec.Kernel, (string?)os.Element("kernel"));
        Assert.Equal(spec.Initrd, (string?)os.Element("initrd"));
        Assert.Equal(spec.KernelCommandLine, (string?)os.Element("cmdline"));
        Assert.Equal("qemu", (string?)live.Attribute("type"));
        var target = live.Element("devices")!.Element("interface")!.Element("target")!;
        Assert.Equal(spec.Nics[0].PortName, (string?)target.Attribute("dev"));
        Assert.Equal("no", (string?)target.Attribute("managed"));
    }

    private static string Sha256Of(string path)
    {
        using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(file));
    }
}
