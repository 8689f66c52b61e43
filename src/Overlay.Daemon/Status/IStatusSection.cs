using System.Text.Json;

namespace Overlay.Daemon.Status;

/// <summary>
/// One subsystem's part of <c>tvdctl status</c>. The status document is an object with one property per
/// registered section (<c>{"daemon":{...},"policy":{...},"engine":{...}}</c>), so a new subsystem adds
/// itself by registering another section; clients skip sections they do not know.
/// </summary>
public interface IStatusSection
{
    /// <summary>The property name in the status document: lower case, stable, unique.</summary>
    string Name { get; }

    /// <summary>Writes this section's value (one JSON object) at the writer's current position.</summary>
    void Write(Utf8JsonWriter writer);
}
