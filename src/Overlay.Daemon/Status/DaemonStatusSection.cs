using System.Reflection;
using System.Text.Json;
using Overlay.Daemon.Configuration;

namespace Overlay.Daemon.Status;

/// <summary>The <c>daemon</c> section: which process this is, since when, and which files it runs from.</summary>
public sealed class DaemonStatusSection : IStatusSection
{
    private readonly DaemonConfig _config;
    private readonly TimeProvider _time;
    private readonly DateTimeOffset _startedAt;
    private readonly long _startTimestamp;

    public DaemonStatusSection(DaemonConfig config, TimeProvider time)
    {
        _config = config;
        _time = time;
        _startedAt = time.GetUtcNow();
        _startTimestamp = time.GetTimestamp();
    }

    public string Name => "daemon";

    /// <summary>The informational version without the "+commit" suffix the SDK appends.</summary>
    public static string Version { get; } =
        (typeof(DaemonStatusSection).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0")
        .Split('+')[0];

    public void Write(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("version", Version);
        writer.WriteNumber("pid", Environment.ProcessId);
        writer.WriteString("started_at", _startedAt.UtcDateTime);
        writer.WriteNumber("uptime_seconds", Math.Round(_time.GetElapsedTime(_startTimestamp).TotalSeconds, 3));
        writer.WriteString("host", _config.Host);
        writer.WriteString("config", _config.ConfigFile);
        writer.WriteString("state_dir", _config.StateDirectory);
        writer.WriteString("runtime_dir", _config.RuntimeDirectory);
        writer.WriteString("control_socket", _config.ControlSocket);
        writer.WriteEndObject();
    }
}
