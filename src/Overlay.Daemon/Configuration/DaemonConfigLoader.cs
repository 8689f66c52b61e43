using System.Text;
using Overlay.Common.Toml;

namespace Overlay.Daemon.Configuration;

/// <summary>
/// Reads overlayd.toml with the shared located-TOML reader (not a deserializer) so every error, including an
/// unknown key, points at <c>file:line:column</c>. All errors are reported at once; no partial config is returned.
/// </summary>
public static class DaemonConfigLoader
{
    private const string DaemonTable = "daemon";

    /// <summary>sun_path holds 108 bytes including the terminating NUL (unix(7)).</summary>
    public const int MaxSocketPathBytes = 107;

    private static readonly string[] KnownKeys = ["host", "policy", "state_dir", "runtime_dir", "control_socket", "control_group"];

    public static ConfigLoadResult LoadFile(string path)
    {
        string fullPath = Path.GetFullPath(path);
        string text;
        try
        {
            text = File.ReadAllText(fullPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ConfigLoadResult.Failed(new ConfigError(new ConfigLocation(fullPath, 1, 1), $"cannot read config: {e.Message}"));
        }

        return Load(text, fullPath);
    }

    /// <summary>Parses <paramref name="text"/>; relative paths resolve against <paramref name="configPath"/>'s directory.</summary>
    public static ConfigLoadResult Load(string text, string configPath)
    {
        var errors = new List<ConfigError>();
        var diagnostics = new ConfigDiagnostics(errors);
        if (TomlDocument.Read(text, configPath, ConfigDialect.Instance, diagnostics) is not { } document)
        {
            return ConfigLoadResult.Failed([.. errors]);
        }

        foreach (TomlEntry entry in document.Root.Entries)
        {
            diagnostics.Error(entry.KeyLocation, $"unknown top-level key '{entry.Key}' (settings belong in a [daemon] table)");
        }

        TomlSection? daemon = null;
        TomlSection? attest = null;
        TomlSection? metrics = null;
        TomlSection? cluster = null;
        var dataPlaneTables = new List<TomlSection>();
        var ikeTables = new List<TomlSection>();
        var guestTables = new List<TomlSection>();
        foreach (TomlSection table in document.Tables)
        {
            if (table.Form == SectionForm.Table && table.Name == DaemonTable)
            {
                daemon = table;
            }
            else if (table.Form == SectionForm.Table && table.Name == AttestConfigReader.Table)
            {
                attest = table;
            }
            else if (table.Form == SectionForm.Table && table.Name == MetricsConfigReader.Table)
            {
                metrics = table;
            }
            else if (table.Form == SectionForm.Table && table.Name == ClusterConfigReader.Table)
            {
                cluster = table;
            }
            else if (DataPlaneConfigReader.IsDataPlaneTable(table))
            {
                dataPlaneTables.Add(table);
            }
            else if (IkeConfigReader.IsIkeTable(table))
            {
                ikeTables.Add(table);
            }
            else if (GuestConfigReader.IsGuestTable(table))
            {
                guestTables.Add(table);
            }
            else
            {
                diagnostics.Error(table.NameLocation,
                    $"unknown table '{table.Name}' (expected [daemon], [attest], [metrics], [cluster], [dataplane], [[dataplane.port]], [[dataplane.peer]], [[dataplane.sa]], [ike], [[ike.peer]], [hypervisor], [[hypervisor.known_good]], [[guest]])");
            }
        }

        DataPlaneConfig? dataPlane = dataPlaneTables.Count > 0 ? DataPlaneConfigReader.Read(dataPlaneTables, configPath, errors) : null;
        IkeConfig? ike = ikeTables.Count > 0 ? IkeConfigReader.Read(ikeTables, configPath, errors) : null;
        IkeConfigChecks.Check(ike, dataPlane, errors);
        MetricsConfig? metricsConfig = MetricsConfigReader.Read(metrics, errors);
        ClusterConfig? clusterConfig = ClusterConfigReader.Read(cluster, configPath, errors);
        ClusterConfigReader.CheckWithOtherTables(clusterConfig, dataPlane, ike, errors);

        if (daemon is null)
        {
            errors.Add(new ConfigError(new ConfigLocation(configPath, 1, 1), "missing [daemon] table with host = \"<this host's name in the policy>\""));
            return ConfigLoadResult.Failed([.. errors]);
        }

        DaemonConfig? config = ReadDaemonTable(daemon, configPath, diagnostics);
        AttestConfig? attestConfig = AttestConfigReader.Read(attest, configPath, config?.StateDirectory ?? DaemonConfig.DefaultStateDirectory, errors);
        (HypervisorConfig? hypervisor, IReadOnlyList<GuestConfig> guests) = guestTables.Count > 0
            ? GuestConfigReader.Read(guestTables, configPath, config?.StateDirectory ?? DaemonConfig.DefaultStateDirectory, errors)
            : (null, []);
        return errors.Count > 0 || config is null
            ? ConfigLoadResult.Failed([.. errors])
            : new ConfigLoadResult(config with { DataPlane = dataPlane, Attest = attestConfig, Ike = ike, Hypervisor = hypervisor, Guests = guests, Metrics = metricsConfig, Cluster = clusterConfig }, []);
    }

    private static DaemonConfig? ReadDaemonTable(TomlSection daemon, string configPath, ConfigDiagnostics diagnostics)
    {
        var reader = new TomlSectionReader(daemon, KnownKeys, ConfigDialect.Instance, diagnostics);
        var values = new Dictionary<string, Located<string>>(StringComparer.Ordinal);
        foreach (TomlEntry entry in daemon.Entries.Where(e => !e.IsDotted && KnownKeys.Contains(e.Key)))
        {
            if (reader.String(entry.Key, required: false) is not { } value)
            {
                continue; // not a string: reported
            }

            if (value.Value.Length == 0)
            {
                diagnostics.Error(value.Location, $"'{entry.Key}' must not be empty");
                continue;
            }

            values[entry.Key] = value;
        }

        if (!values.TryGetValue("host", out var host))
        {
            diagnostics.Error(daemon.NameLocation, "[daemon] needs host = \"<this host's name in the policy>\"");
            return null;
        }

        string baseDirectory = Path.GetDirectoryName(configPath) ?? "/";
        string Resolve(string key, string fallback) =>
            values.TryGetValue(key, out var v) ? Path.GetFullPath(v.Value, baseDirectory) : fallback;

        string runtimeDirectory = Resolve("runtime_dir", DaemonConfig.DefaultRuntimeDirectory);
        string socket = values.TryGetValue("control_socket", out var s)
            ? Path.GetFullPath(s.Value, baseDirectory)
            : Path.Combine(runtimeDirectory, DaemonConfig.DefaultSocketName);

        int socketBytes = Encoding.UTF8.GetByteCount(socket);
        if (socketBytes > MaxSocketPathBytes)
        {
            TomlLocation where = values.TryGetValue("control_socket", out var cs) ? cs.Location
                : values.TryGetValue("runtime_dir", out var rd) ? rd.Location : daemon.NameLocation;
            diagnostics.Error(where, $"control socket path '{socket}' is {socketBytes} bytes; a Unix socket path holds at most {MaxSocketPathBytes}");
        }

        uint? controlGroup = null;
        if (values.TryGetValue("control_group", out var group) && (controlGroup = GroupIds.Resolve(group.Value)) is null)
        {
            diagnostics.Error(group.Location, $"control_group '{group.Value}' is no group of this host (not a number, not a name in {GroupIds.GroupFile})");
        }

        return new DaemonConfig(
            configPath,
            host.Value,
            host.Location.ToConfigLocation(),
            Resolve("policy", DaemonConfig.DefaultPolicyFile),
            Resolve("state_dir", DaemonConfig.DefaultStateDirectory),
            runtimeDirectory,
            socket)
        {
            ControlGroup = controlGroup,
            ControlGroupName = controlGroup is null ? null : group!.Value,
        };
    }
}

/// <summary>A loaded config, or every error found in it.</summary>
public sealed record ConfigLoadResult(DaemonConfig? Config, IReadOnlyList<ConfigError> Errors)
{
    public bool Succeeded => Config is not null && Errors.Count == 0;

    public static ConfigLoadResult Failed(params ConfigError[] errors) => new(null, errors);
}
