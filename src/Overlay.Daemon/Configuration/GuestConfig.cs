using Overlay.Hypervisor.Domain;

namespace Overlay.Daemon.Configuration;

/// <summary>How a configured guest runs: a libvirt VM, or a network namespace (lab guests, <c>make demo</c>).</summary>
public enum GuestBackendKind
{
    Libvirt,
    Netns,
}

/// <summary>
/// One <c>[[guest]]</c>: what the guest is made of. Its Chinese Wall and STE types come from the policy's guest of
/// the same name, never from here; <see cref="Networks"/> are policy network resources, one vNIC each.
/// </summary>
/// <param name="Addresses">Netns guests only: an address (CIDR) per vNIC, in <see cref="Networks"/> order.</param>
/// <param name="Autostart">Started when the daemon starts (a refusal is logged and audited, the daemon runs on).</param>
public sealed record GuestConfig(
    ConfigLocation Location,
    string Name,
    GuestBackendKind Backend,
    IReadOnlyList<string> Networks,
    IReadOnlyList<string> Addresses,
    string? Image,
    string? Kernel,
    string? Initrd,
    string? CommandLine,
    int VCpus,
    int MemoryMiB,
    bool Autostart);

/// <summary>
/// <c>[hypervisor]</c> and its <c>[[hypervisor.known_good]]</c> lists (TVD name → image SHA-256 digests).
/// </summary>
/// <param name="Uri">The libvirt connection (default <c>qemu:///system</c>).</param>
/// <param name="Acceleration">kvm, tcg or auto (probe the host).</param>
/// <param name="TapNamespace">
/// The network namespace QEMU runs in (libvirtd's, e.g. <c>/proc/1/ns/net</c>) when it is not the daemon's own: TAPs
/// are then made there, and moved into the daemon's namespace once the guest started (QEMU keeps its open fd).
/// Null: the daemon shares libvirtd's namespace and makes the TAPs itself.
/// </param>
/// <param name="NetnsPrefix">Namespace name prefix of netns guests (<c>&lt;prefix&gt;&lt;guest&gt;</c>).</param>
/// <param name="RevokeOnReload">A policy reload that conflicts with running guests commits and stops them (default), instead of being refused.</param>
/// <param name="AuditLog">Where guest audit events are appended, one line each (default <c>state_dir/guest-audit.log</c>).</param>
/// <param name="KnownGood">Known-good guest image digests per TVD.</param>
/// <param name="ConsoleLogDirectory">
/// Where each libvirt guest's serial console is written, as <c>&lt;dir&gt;/&lt;guest&gt;.console.log</c> (made at start);
/// null: the console is a pty (<c>virsh console</c>).
/// </param>
public sealed record HypervisorConfig(
    string Uri,
    AccelerationMode Acceleration,
    string? TapNamespace,
    string NetnsPrefix,
    bool RevokeOnReload,
    string AuditLog,
    IReadOnlyDictionary<string, IReadOnlyList<string>> KnownGood,
    string? ConsoleLogDirectory = null)
{
    public const string DefaultUri = "qemu:///system";
    public const string DefaultNetnsPrefix = "tvdg-";

    public static HypervisorConfig Defaults(string stateDirectory) => new(
        DefaultUri, AccelerationMode.Auto, null, DefaultNetnsPrefix, true, Path.Combine(stateDirectory, "guest-audit.log"),
        new Dictionary<string, IReadOnlyList<string>>());
}
