using Overlay.Common.Toml;
using Overlay.Hypervisor.Domain;

namespace Overlay.Daemon.Configuration;

/// <summary>
/// Reads <c>[hypervisor]</c>, <c>[[hypervisor.known_good]]</c> and <c>[[guest]]</c> with <c>file:line:column</c>
/// errors. What the policy must say about them (the guest exists, the networks are its resources) is checked
/// later against the loaded policy by <see cref="GuestHost.GuestBinder"/>.
/// </summary>
internal static class GuestConfigReader
{
    public const string HypervisorTable = "hypervisor";
    public const string KnownGoodTable = "hypervisor.known_good";
    public const string GuestTable = "guest";

    private static readonly string[] HypervisorKeys = ["uri", "acceleration", "tap_netns", "netns_prefix", "revoke_on_reload", "audit_log", "console_log_dir"];
    private static readonly string[] KnownGoodKeys = ["tvd", "digests"];
    private static readonly string[] GuestKeys =
        ["name", "backend", "networks", "addresses", "image", "kernel", "initrd", "cmdline", "vcpus", "memory_mib", "autostart"];

    public static bool IsGuestTable(TomlSection table) =>
        (table.Form == SectionForm.Table && table.Name == HypervisorTable)
        || (table.Form == SectionForm.ArrayOfTables && table.Name is KnownGoodTable or GuestTable);

    /// <summary>The hypervisor settings (defaults when only <c>[[guest]]</c> is written) and the guests; null on errors.</summary>
    public static (HypervisorConfig? Hypervisor, IReadOnlyList<GuestConfig> Guests) Read(
        IReadOnlyList<TomlSection> tables, string file, string stateDirectory, List<ConfigError> errors)
    {
        int before = errors.Count;
        string baseDirectory = Path.GetDirectoryName(file) ?? "/";
        HypervisorConfig settings = HypervisorConfig.Defaults(stateDirectory);
        var knownGood = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        var guests = new List<GuestConfig>();
        foreach (TomlSection table in tables)
        {
            switch (table.Name)
            {
                case HypervisorTable:
                    settings = ReadHypervisor(table, baseDirectory, settings, errors);
                    break;
                case KnownGoodTable:
                    ReadKnownGood(table, knownGood, errors);
                    break;
                default:
                    if (ReadGuest(table, baseDirectory, errors) is { } guest)
                    {
                        if (guests.Any(g => g.Name == guest.Name))
                        {
                            errors.Add(new ConfigError(guest.Location, $"guest '{guest.Name}' is configured twice"));
                        }

                        guests.Add(guest);
                    }

                    break;
            }
        }

        return errors.Count > before ? (null, []) : (settings with { KnownGood = knownGood }, guests);
    }

    private static HypervisorConfig ReadHypervisor(TomlSection table, string baseDirectory, HypervisorConfig defaults, List<ConfigError> errors)
    {
        var reader = new ConfigTableReader(table, errors, HypervisorKeys);
        string uri = reader.String("uri", required: false) ?? defaults.Uri;
        string acceleration = reader.String("acceleration", required: false) ?? "auto";
        AccelerationMode? mode = acceleration switch
        {
            "auto" => AccelerationMode.Auto,
            "kvm" => AccelerationMode.Kvm,
            "tcg" => AccelerationMode.Tcg,
            _ => null,
        };
        if (mode is null)
        {
            reader.Error(reader.LocationOf("acceleration"), $"'acceleration' must be \"auto\", \"kvm\" or \"tcg\", not \"{acceleration}\"");
        }

        string? tapNetns = reader.String("tap_netns", required: false);
        string prefix = reader.String("netns_prefix", required: false) ?? defaults.NetnsPrefix;
        if (prefix.Contains('/') || prefix.Contains(' ') || prefix.Length > 16)
        {
            reader.Error(reader.LocationOf("netns_prefix"), $"'netns_prefix' \"{prefix}\" must be at most 16 characters, without '/' or spaces");
        }

        bool revoke = reader.Boolean("revoke_on_reload", defaults.RevokeOnReload) ?? defaults.RevokeOnReload;
        string? audit = reader.String("audit_log", required: false);
        string? consoleDir = reader.String("console_log_dir", required: false);
        return new HypervisorConfig(
            uri, mode ?? AccelerationMode.Auto, tapNetns is null ? null : Path.GetFullPath(tapNetns, baseDirectory), prefix, revoke,
            audit is null ? defaults.AuditLog : Path.GetFullPath(audit, baseDirectory), defaults.KnownGood,
            consoleDir is null ? null : Path.GetFullPath(consoleDir, baseDirectory));
    }

    private static void ReadKnownGood(TomlSection table, Dictionary<string, IReadOnlyList<string>> knownGood, List<ConfigError> errors)
    {
        var reader = new ConfigTableReader(table, errors, KnownGoodKeys);
        string? tvd = reader.String("tvd", required: true);
        IReadOnlyList<string>? digests = reader.Strings("digests", required: true);
        if (tvd is null || digests is null)
        {
            return;
        }

        foreach (string digest in digests)
        {
            string hex = digest.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase) ? digest["sha256:".Length..] : digest;
            if (hex.Length != 64 || !hex.All(char.IsAsciiHexDigit))
            {
                reader.Error(reader.LocationOf("digests"), $"known-good digest '{digest}' for TVD {tvd} is not sha256:<64 hex digits>");
            }
        }

        if (!knownGood.TryAdd(tvd, digests))
        {
            reader.Error(reader.LocationOf("tvd"), $"TVD '{tvd}' has two [[hypervisor.known_good]] lists; write one");
        }
    }

    private static GuestConfig? ReadGuest(TomlSection table, string baseDirectory, List<ConfigError> errors)
    {
        int before = errors.Count;
        var reader = new ConfigTableReader(table, errors, GuestKeys);
        string? name = reader.String("name", required: true);
        string backendText = reader.String("backend", required: false) ?? "libvirt";
        GuestBackendKind? backend = backendText switch
        {
            "libvirt" => GuestBackendKind.Libvirt,
            "netns" => GuestBackendKind.Netns,
            _ => null,
        };
        if (backend is null)
        {
            reader.Error(reader.LocationOf("backend"), $"'backend' must be \"libvirt\" or \"netns\", not \"{backendText}\"");
        }

        IReadOnlyList<string>? networks = reader.Strings("networks", required: true);
        if (networks is { Count: 0 })
        {
            reader.Error(reader.LocationOf("networks"), "'networks' needs at least one network (one vNIC per TVD network)");
        }

        IReadOnlyList<string> addresses = reader.Strings("addresses", required: false) ?? [];
        if (addresses.Count > 0 && backend == GuestBackendKind.Libvirt)
        {
            reader.Error(reader.LocationOf("addresses"), "'addresses' is for netns guests; a VM configures its own addresses");
        }

        if (networks is not null && addresses.Count > networks.Count)
        {
            reader.Error(reader.LocationOf("addresses"), $"{addresses.Count} addresses for {networks.Count} networks (at most one per vNIC)");
        }

        string? image = FullPath(reader.String("image", required: false), baseDirectory);
        string? kernel = FullPath(reader.String("kernel", required: false), baseDirectory);
        string? initrd = FullPath(reader.String("initrd", required: false), baseDirectory);
        string? cmdline = reader.String("cmdline", required: false);
        if (backend == GuestBackendKind.Libvirt && image is null && kernel is null)
        {
            reader.Error(reader.Location, $"libvirt guest '{name}' needs image = \"...\" or kernel = \"...\" to boot");
        }

        if (kernel is null && (initrd is not null || cmdline is not null))
        {
            reader.Error(reader.LocationOf(initrd is not null ? "initrd" : "cmdline"), "'initrd' and 'cmdline' need a 'kernel'");
        }

        long? vcpus = reader.Integer("vcpus", 1, 64, 1);
        long? memory = reader.Integer("memory_mib", 32, 1 << 20, 256);
        bool? autostart = reader.Boolean("autostart", false);
        if (errors.Count > before)
        {
            return null;
        }

        return new GuestConfig(reader.Location, name!, backend!.Value, networks!, addresses, image, kernel, initrd, cmdline,
            (int)vcpus!, (int)memory!, autostart!.Value);
    }

    private static string? FullPath(string? path, string baseDirectory) => path is null ? null : Path.GetFullPath(path, baseDirectory);
}
