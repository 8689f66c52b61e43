namespace Overlay.Daemon.Configuration;

/// <summary>
/// The daemon's own settings (overlayd.toml, <c>[daemon]</c> table), every path already resolved to an
/// absolute path. The policy itself lives in its own file; see docs/daemon.md for each key.
/// </summary>
/// <param name="ConfigFile">Absolute path of the file these settings came from.</param>
/// <param name="Host">This host's name in the policy (<c>[[host]] name</c>).</param>
/// <param name="HostLocation">Where <paramref name="Host"/> was written, for "host not in policy" errors.</param>
/// <param name="PolicyFile">The policy TOML file loaded at start and on every SIGHUP.</param>
/// <param name="StateDirectory">Persistent state (created 0700 when missing).</param>
/// <param name="RuntimeDirectory">Volatile runtime files; must be 0700 because the control socket lives there.</param>
/// <param name="ControlSocket">The control socket's path (default <c>runtime_dir/control.sock</c>).</param>
/// <param name="DataPlane">The <c>[dataplane]</c> tables; null when the config has none (no data plane runs).</param>
/// <param name="Ike">The <c>[ike]</c> table; null when the config has none (SAs are static, no IKE runs).</param>
/// <param name="Hypervisor">The <c>[hypervisor]</c> settings; null when the config has neither it nor a <c>[[guest]]</c> (no guests are managed).</param>
/// <param name="Guests">The <c>[[guest]]</c> entries, in config order.</param>
/// <param name="Attest">The <c>[attest]</c> table with its defaults; null only for configs built in code (see <see cref="AttestSettings"/>).</param>
public sealed record DaemonConfig(
    string ConfigFile,
    string Host,
    ConfigLocation HostLocation,
    string PolicyFile,
    string StateDirectory,
    string RuntimeDirectory,
    string ControlSocket,
    DataPlaneConfig? DataPlane = null,
    AttestConfig? Attest = null,
    IkeConfig? Ike = null,
    HypervisorConfig? Hypervisor = null,
    IReadOnlyList<GuestConfig>? Guests = null)
{
    /// <summary>
    /// <c>control_group</c>: the group whose members may use the control socket besides root (its id); null = root only.
    /// </summary>
    public uint? ControlGroup { get; init; }

    /// <summary>How <c>control_group</c> was written (a name or a number), for messages.</summary>
    public string? ControlGroupName { get; init; }

    /// <summary>The <c>[metrics]</c> table; null when the config has none (no scrape endpoint listens).</summary>
    public MetricsConfig? Metrics { get; init; }

    /// <summary>The <c>[cluster]</c> table; null when the config has none (files mode: the policy file and the configured peers).</summary>
    public ClusterConfig? Cluster { get; init; }

    /// <summary>The attestation settings, defaults filled in when no <c>[attest]</c> was read.</summary>
    public AttestConfig AttestSettings => Attest ?? AttestConfig.Defaults(StateDirectory);

    public const string DefaultConfigFile = "/etc/tvd-overlay/overlayd.toml";
    public const string DefaultPolicyFile = "/etc/tvd-overlay/policy.toml";
    public const string DefaultStateDirectory = "/var/lib/tvd-overlay";
    public const string DefaultRuntimeDirectory = "/run/tvd-overlay";
    public const string DefaultSocketName = "control.sock";
}

/// <summary>A 1-based position in a config file, printed <c>file:line:column</c> like compiler errors.</summary>
public readonly record struct ConfigLocation(string File, int Line, int Column)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
}

/// <summary>One problem with the daemon config: <c>file:line:column: error: message</c>.</summary>
public sealed record ConfigError(ConfigLocation Location, string Message)
{
    public override string ToString() => $"{Location}: error: {Message}";
}
