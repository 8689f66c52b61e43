using System.Runtime.Versioning;
using Overlay.Hypervisor.Backends;
using Overlay.Hypervisor.Guests;
using Overlay.Hypervisor.Tests.Support;

namespace Overlay.Hypervisor.Tests.Backends;

/// <summary>
/// The TAP choreography across two namespaces, with <c>ip</c> and <c>nsenter</c> played by scripts that keep each
/// namespace's interfaces as files in a directory and log every call: no namespace, TAP or root needed.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class NamespacedTapBackendTests : IDisposable
{
    private const string LibvirtNamespace = "/proc/1/ns/net";

    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("tvd-tapmover-");
    private readonly FakeGuestBackend _inner = new();
    private readonly NamespacedTapBackend _backend;
    private readonly GuestSpec _guest = new("web", [GuestNic.Derived("web", "red-net", 0)], []);

    public NamespacedTapBackendTests()
    {
        Directory.CreateDirectory(Here);
        Directory.CreateDirectory(There);
        var ip = new IpCommand(Script("ip", $"""
            echo "ip $*" >> {Log}
            case "$1 $2" in
              "link show") [ -e {Here}/$4 ] ;;
              "link del") rm {Here}/$3 ;;
              "link set") [ -e {Here}/$3 ] ;;
              *) exit 1 ;;
            esac
            """));
        var nsenter = new IpCommand(Script("nsenter", $"""
            echo "nsenter $*" >> {Log}
            shift 2
            case "$1 $2 $3" in
              "tuntap add dev") touch {There}/$4 ;;
              "link show dev") [ -e {There}/$4 ] ;;
              "link set dev") mv {There}/$4 {Here}/$4 ;;
              "link set "*) [ -e {There}/$3 ] ;;
              "link del "*) rm {There}/$3 ;;
              *) exit 1 ;;
            esac
            """));
        _backend = new NamespacedTapBackend(_inner, LibvirtNamespace, ip, nsenter);
    }

    private string Here => Path.Combine(_root.FullName, "here");

    private string There => Path.Combine(_root.FullName, "there");

    private string Log => Path.Combine(_root.FullName, "calls.log");

    private string Tap => _guest.Nics[0].PortName;

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public void Start_makes_the_tap_in_libvirtds_namespace_then_claims_it_once_the_guest_runs()
    {
        _backend.Start(_guest);

        Assert.Equal(["start web"], _inner.Calls);
        Assert.True(File.Exists(Path.Combine(Here, Tap)));
        Assert.False(File.Exists(Path.Combine(There, Tap)));
        string[] calls = File.ReadAllLines(Log);
        int made = Array.IndexOf(calls, $"nsenter --net={LibvirtNamespace} ip tuntap add dev {Tap} mode tap");
        int moved = Array.IndexOf(calls, $"nsenter --net={LibvirtNamespace} ip link set dev {Tap} netns {Environment.ProcessId}");
        Assert.True(made >= 0 && moved > made, string.Join("\n", calls));
        Assert.Equal($"ip link set {Tap} up", calls[^1]);
    }

    [Fact]
    public void A_guest_that_fails_to_start_leaves_no_tap_behind()
    {
        _inner.FailStartWith = new GuestBackendException("no such image");

        Assert.Throws<GuestBackendException>(() => _backend.Start(_guest));

        Assert.Empty(Directory.GetFiles(There));
        Assert.Empty(Directory.GetFiles(Here));
    }

    [Fact]
    public void Stop_removes_the_tap_wherever_it_is()
    {
        _backend.Start(_guest);

        _backend.Stop("web");

        Assert.Equal(["start web", "stop web"], _inner.Calls);
        Assert.Empty(Directory.GetFiles(Here));
        Assert.Contains($"ip link del {Tap}", File.ReadAllLines(Log));
    }

    [Fact]
    public void A_tap_already_here_is_only_set_up()
    {
        File.Create(Path.Combine(Here, Tap)).Dispose();

        _backend.ClaimTaps(_guest);

        Assert.DoesNotContain(File.ReadAllLines(Log), line => line.Contains("netns", StringComparison.Ordinal));
        Assert.Equal($"ip link set {Tap} up", File.ReadAllLines(Log)[^1]);
    }

    [Fact]
    public void Hot_plugging_across_namespaces_is_refused() =>
        Assert.Throws<GuestBackendException>(() => _backend.AttachNic(_guest, GuestNic.Derived("web", "blue-net", 1)));

    private string Script(string name, string body)
    {
        string path = Path.Combine(_root.FullName, name);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}
