using Overlay.Daemon.Configuration;
using Overlay.Daemon.GuestHost;
using Overlay.Daemon.Tests.Support;
using Overlay.Hypervisor.Domain;
using Overlay.Labels.Compiled;
using Overlay.Labels.Loading;

namespace Overlay.Daemon.Tests.GuestHost;

/// <summary><c>[hypervisor]</c>, <c>[[hypervisor.known_good]]</c> and <c>[[guest]]</c>: values, defaults, and file:line:col errors.</summary>
public sealed class GuestConfigTests
{
    private const string ConfigPath = "/etc/tvd-overlay/overlayd.toml";
    private const string Daemon = "[daemon]\nhost = \"host1\"\n";

    [Fact]
    public void Guests_and_hypervisor_settings_are_read_with_paths_resolved_and_defaults()
    {
        const string text = Daemon + """
            [hypervisor]
            tap_netns = "/proc/1/ns/net"
            acceleration = "tcg"
            console_log_dir = "consoles"

            [[hypervisor.known_good]]
            tvd = "red"
            digests = ["sha256:0000000000000000000000000000000000000000000000000000000000000000"]

            [[guest]]
            name = "hr-db"
            networks = ["red-net"]
            kernel = "guest/vmlinuz"
            initrd = "guest/initrd.gz"
            cmdline = "console=ttyS0 tvd.ip=10.0.0.1/24"
            autostart = true

            [[guest]]
            name = "acct-app"
            backend = "netns"
            networks = ["blue-net"]
            addresses = ["10.0.0.2/24"]
            """;

        var result = DaemonConfigLoader.Load(text, ConfigPath);

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        HypervisorConfig hypervisor = result.Config!.Hypervisor!;
        Assert.Equal("qemu:///system", hypervisor.Uri);
        Assert.Equal(AccelerationMode.Tcg, hypervisor.Acceleration);
        Assert.Equal("/proc/1/ns/net", hypervisor.TapNamespace);
        Assert.True(hypervisor.RevokeOnReload);
        Assert.Equal("/var/lib/tvd-overlay/guest-audit.log", hypervisor.AuditLog);
        Assert.Equal("/etc/tvd-overlay/consoles", hypervisor.ConsoleLogDirectory);
        Assert.Single(hypervisor.KnownGood["red"]);

        GuestConfig vm = result.Config.Guests![0];
        Assert.Equal(("hr-db", GuestBackendKind.Libvirt, true), (vm.Name, vm.Backend, vm.Autostart));
        Assert.Equal("/etc/tvd-overlay/guest/vmlinuz", vm.Kernel);
        Assert.Equal("/etc/tvd-overlay/guest/initrd.gz", vm.Initrd);
        Assert.Equal((1, 256), (vm.VCpus, vm.MemoryMiB));
        GuestConfig lab = result.Config.Guests[1];
        Assert.Equal(GuestBackendKind.Netns, lab.Backend);
        Assert.Equal(["10.0.0.2/24"], lab.Addresses);
        Assert.False(lab.Autostart);
    }

    [Fact]
    public void Without_guest_tables_no_guests_are_managed()
    {
        var result = DaemonConfigLoader.Load(Daemon, ConfigPath);

        Assert.Null(result.Config!.Hypervisor);
    }

    [Theory]
    [InlineData("[[guest]]\nname = \"g\"\nbackend = \"xen\"\nnetworks = [\"n\"]\n", "5:11: error: 'backend' must be \"libvirt\" or \"netns\", not \"xen\"")]
    [InlineData("[[guest]]\nname = \"g\"\nbackend = \"netns\"\n", "3:3: error: missing networks = [\"...\"]")]
    [InlineData("[[guest]]\nname = \"g\"\nnetworks = [\"n\"]\n", "3:3: error: libvirt guest 'g' needs image = \"...\" or kernel = \"...\" to boot")]
    [InlineData("[[guest]]\nname = \"g\"\nbackend = \"netns\"\nnetworks = [\"n\", 3]\n", "6:18: error: 'networks' must hold only non-empty strings")]
    [InlineData("[[guest]]\nname = \"g\"\nbackend = \"netns\"\nnetworks = [\"n\"]\nmemory_mib = 1\n", "7:14: error: 'memory_mib' must be an integer in 32..1048576")]
    [InlineData("[[guest]]\nname = \"g\"\nbackend = \"netns\"\nnetworks = [\"n\"]\ncolour = \"red\"\n", "7:1: error: unknown key 'colour' in [[guest]] (known: name, backend, networks, addresses, image, kernel, initrd, cmdline, vcpus, memory_mib, autostart)")]
    [InlineData("[[guest]]\nname = \"g\"\nkernel = \"k\"\nnetworks = [\"n\"]\naddresses = [\"10.0.0.1/24\"]\n", "7:13: error: 'addresses' is for netns guests; a VM configures its own addresses")]
    [InlineData("[hypervisor]\nacceleration = \"fast\"\n", "4:16: error: 'acceleration' must be \"auto\", \"kvm\" or \"tcg\", not \"fast\"")]
    [InlineData("[hypervisor]\nconsole_log_dir = \"\"\n", "4:19: error: 'console_log_dir' must be a non-empty string")]
    [InlineData("[[hypervisor.known_good]]\ntvd = \"red\"\ndigests = [\"abc\"]\n", "5:11: error: known-good digest 'abc' for TVD red is not sha256:<64 hex digits>")]
    public void Bad_guest_config_points_at_the_value(string table, string expected)
    {
        var result = DaemonConfigLoader.Load(Daemon + table, ConfigPath);

        Assert.False(result.Succeeded);
        Assert.Contains(result.Errors, e => e.ToString() == $"{ConfigPath}:{expected}");
    }

    [Fact]
    public void Twice_configured_guest_is_an_error()
    {
        const string guest = "[[guest]]\nname = \"g\"\nbackend = \"netns\"\nnetworks = [\"n\"]\n";

        var result = DaemonConfigLoader.Load(Daemon + guest + guest, ConfigPath);

        Assert.Contains(result.Errors, e => e.ToString() == $"{ConfigPath}:7:3: error: guest 'g' is configured twice");
    }

    [Fact]
    public void Guests_and_networks_unknown_to_the_policy_are_refused_before_start()
    {
        const string text = Daemon + """
            [[guest]]
            name = "ghost"
            backend = "netns"
            networks = ["red-net", "purple-net"]

            [[hypervisor.known_good]]
            tvd = "purple"
            digests = []
            """;
        DaemonConfig config = DaemonConfigLoader.Load(text, ConfigPath).Config!;
        CompiledPolicy policy = CompiledPolicy.Compile(PolicyLoader.LoadFile(RepoFiles.ExamplePolicy).Policy!);
        var errors = new List<ConfigError>();

        Assert.False(GuestBinder.Check(config, policy, errors));

        Assert.Contains(errors, e => e.Message.StartsWith("guest 'ghost' is not a guest of policy 'acme-dc'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Message == "guest 'ghost': 'purple-net' is not a network of a TVD in policy 'acme-dc'");
        Assert.Contains(errors, e => e.Message.StartsWith("[[hypervisor.known_good]] tvd 'purple' is not a TVD", StringComparison.Ordinal));
        Assert.Equal(new ConfigLocation(ConfigPath, 3, 3), errors[0].Location);
    }
}
