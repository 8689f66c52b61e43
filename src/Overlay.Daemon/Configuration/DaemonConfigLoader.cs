using System.Text;
using Tomlyn.Parsing;
using Tomlyn.Syntax;

namespace Overlay.Daemon.Configuration;

/// <summary>
/// Reads overlayd.toml from its syntax tree (not a deserializer) so every error, including an unknown
/// key, points at <c>file:line:column</c>. All errors are reported at once; no partial config is returned.
/// </summary>
public static class DaemonConfigLoader
{
    private const string DaemonTable = "daemon";

    /// <summary>sun_path holds 108 bytes including the terminating NUL (unix(7)).</summary>
    public const int MaxSocketPathBytes = 107;

    private static readonly string[] KnownKeys = ["host", "policy", "state_dir", "runtime_dir", "control_socket"];

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
        DocumentSyntax document = SyntaxParser.Parse(text, configPath, true);
        foreach (DiagnosticMessage diagnostic in document.Diagnostics)
        {
            if (diagnostic.Kind == DiagnosticMessageKind.Error)
            {
                errors.Add(new ConfigError(At(configPath, diagnostic.Span), diagnostic.Message));
            }
        }

        if (errors.Count > 0)
        {
            return ConfigLoadResult.Failed([.. errors]);
        }

        foreach (KeyValueSyntax keyValue in document.KeyValues)
        {
            errors.Add(new ConfigError(At(configPath, keyValue.Key!.Span),
                $"unknown top-level key '{KeyName(keyValue.Key)}' (settings belong in a [daemon] table)"));
        }

        TableSyntax? daemon = null;
        TableSyntax? attest = null;
        var dataPlaneTables = new List<(TableSyntaxBase Table, string Name)>();
        var ikeTables = new List<(TableSyntaxBase Table, string Name)>();
        var guestTables = new List<(TableSyntaxBase Table, string Name)>();
        foreach (TableSyntaxBase table in document.Tables)
        {
            string name = KeyName(table.Name!);
            if (table is TableSyntax plain && name == DaemonTable)
            {
                daemon = plain;
            }
            else if (table is TableSyntax attestTable && name == AttestConfigReader.Table)
            {
                attest = attestTable;
            }
            else if (DataPlaneConfigReader.IsDataPlaneTable(table, name))
            {
                dataPlaneTables.Add((table, name));
            }
            else if (IkeConfigReader.IsIkeTable(table, name))
            {
                ikeTables.Add((table, name));
            }
            else if (GuestConfigReader.IsGuestTable(table, name))
            {
                guestTables.Add((table, name));
            }
            else
            {
                errors.Add(new ConfigError(At(configPath, table.Name!.Span),
                    $"unknown table '{name}' (expected [daemon], [attest], [dataplane], [[dataplane.port]], [[dataplane.peer]], [[dataplane.sa]], [ike], [[ike.peer]], [hypervisor], [[hypervisor.known_good]], [[guest]])"));
            }
        }

        DataPlaneConfig? dataPlane = dataPlaneTables.Count > 0 ? DataPlaneConfigReader.Read(dataPlaneTables, configPath, errors) : null;
        IkeConfig? ike = ikeTables.Count > 0 ? IkeConfigReader.Read(ikeTables, configPath, errors) : null;
        IkeConfigChecks.Check(ike, dataPlane, errors);

        if (daemon is null)
        {
            errors.Add(new ConfigError(new ConfigLocation(configPath, 1, 1), "missing [daemon] table with host = \"<this host's name in the policy>\""));
            return ConfigLoadResult.Failed([.. errors]);
        }

        DaemonConfig? config = ReadDaemonTable(daemon, configPath, errors);
        AttestConfig? attestConfig = AttestConfigReader.Read(attest, configPath, config?.StateDirectory ?? DaemonConfig.DefaultStateDirectory, errors);
        (HypervisorConfig? hypervisor, IReadOnlyList<GuestConfig> guests) = guestTables.Count > 0
            ? GuestConfigReader.Read(guestTables, configPath, config?.StateDirectory ?? DaemonConfig.DefaultStateDirectory, errors)
            : (null, []);
        return errors.Count > 0 || config is null
            ? ConfigLoadResult.Failed([.. errors])
            : new ConfigLoadResult(config with { DataPlane = dataPlane, Attest = attestConfig, Ike = ike, Hypervisor = hypervisor, Guests = guests }, []);
    }

    private static DaemonConfig? ReadDaemonTable(TableSyntax daemon, string configPath, List<ConfigError> errors)
    {
        var values = new Dictionary<string, (string Value, ConfigLocation Location)>(StringComparer.Ordinal);
        foreach (KeyValueSyntax item in daemon.Items)
        {
            string key = KeyName(item.Key!);
            ConfigLocation keyAt = At(configPath, item.Key!.Span);
            if (!KnownKeys.Contains(key))
            {
                errors.Add(new ConfigError(keyAt, $"unknown key '{key}' in [daemon] (known: {string.Join(", ", KnownKeys)})"));
            }
            else if (item.Value is not StringValueSyntax { Value: { } value })
            {
                errors.Add(new ConfigError(At(configPath, item.Value!.Span), $"'{key}' must be a string"));
            }
            else if (value.Length == 0)
            {
                errors.Add(new ConfigError(At(configPath, item.Value.Span), $"'{key}' must not be empty"));
            }
            else
            {
                values[key] = (value, At(configPath, item.Value.Span));
            }
        }

        if (!values.TryGetValue("host", out var host))
        {
            errors.Add(new ConfigError(At(configPath, daemon.Name!.Span), "[daemon] needs host = \"<this host's name in the policy>\""));
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
            ConfigLocation where = values.TryGetValue("control_socket", out var cs) ? cs.Location
                : values.TryGetValue("runtime_dir", out var rd) ? rd.Location : At(configPath, daemon.Name!.Span);
            errors.Add(new ConfigError(where, $"control socket path '{socket}' is {socketBytes} bytes; a Unix socket path holds at most {MaxSocketPathBytes}"));
        }

        return new DaemonConfig(
            configPath,
            host.Value,
            host.Location,
            Resolve("policy", DaemonConfig.DefaultPolicyFile),
            Resolve("state_dir", DaemonConfig.DefaultStateDirectory),
            runtimeDirectory,
            socket);
    }

    /// <summary>The key as written, dotted parts joined: <c>a.b</c> for <c>a.b = 1</c>.</summary>
    private static string KeyName(KeySyntax key)
    {
        var name = new StringBuilder(KeyPart(key.Key));
        foreach (DottedKeyItemSyntax dotted in key.DotKeys)
        {
            name.Append('.').Append(KeyPart(dotted.Key));
        }

        return name.ToString();
    }

    private static string KeyPart(BareKeyOrStringValueSyntax? part) => part switch
    {
        BareKeySyntax bare => bare.Key?.Text ?? "",
        StringValueSyntax quoted => quoted.Value ?? "",
        _ => "",
    };

    /// <summary>Tomlyn positions are 0-based; ours are 1-based like every compiler's.</summary>
    private static ConfigLocation At(string file, SourceSpan span) => new(file, span.Start.Line + 1, span.Start.Column + 1);
}

/// <summary>A loaded config, or every error found in it.</summary>
public sealed record ConfigLoadResult(DaemonConfig? Config, IReadOnlyList<ConfigError> Errors)
{
    public bool Succeeded => Config is not null && Errors.Count == 0;

    public static ConfigLoadResult Failed(params ConfigError[] errors) => new(null, errors);
}
