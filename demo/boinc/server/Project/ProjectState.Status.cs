using System.Text.Json;
using Overlay.Demo.BoincServer.Protocol;

namespace Overlay.Demo.BoincServer.Project;

internal sealed partial class ProjectState
{
    private static readonly string[] s_steps = ["sent", "uploaded", "reported", "valid", "invalid"];

    /// <summary>The status JSON (docs/demo.md, "BOINC project server", shows its shape).</summary>
    public byte[] StatusJson()
    {
        lock (_lock)
        {
            return BuildStatus();
        }
    }

    // Called under the lock after every change: the file is replaced by rename, so a reader sees the old or the new.
    private void WriteStatusFile()
    {
        if (_options.StatusFile is not { } file)
        {
            return;
        }

        string temporary = file + ".tmp";
        File.WriteAllBytes(temporary, BuildStatus());
        File.Move(temporary, file, overwrite: true);
    }

    private byte[] BuildStatus()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("project", ServerOptions.ProjectName);
            json.WriteString("masterUrl", _options.MasterUrl);
            json.WriteString("clientProjectDir", "projects/" + ServerOptions.ClientProjectDir(_options.MasterUrl));
            json.WriteString("updated", Stamp(_time.GetUtcNow()));
            json.WriteNumber("rounds", _options.Rounds);
            json.WriteNumber("workUnits", _units.Count);
            json.WriteBoolean("allValid", _units.All(u => u.Outcome == "valid"));
            json.WriteStartObject("counts");
            json.WriteNumber("unsent", _units.Count(u => u.SentAt is null));
            json.WriteNumber("sent", _units.Count(u => u.SentAt is not null));
            json.WriteNumber("downloaded", _units.Count(u => u.DownloadedAt is not null));
            json.WriteNumber("uploaded", _units.Count(u => u.UploadedAt is not null));
            json.WriteNumber("reported", _units.Count(u => u.ReportedAt is not null));
            json.WriteNumber("valid", _units.Count(u => u.Outcome == "valid"));
            json.WriteNumber("invalid", _units.Count(u => u.Outcome == "invalid"));
            json.WriteEndObject();
            WriteRequestsAndRejects(json);
            WriteClients(json);
            json.WriteStartArray("units");
            foreach (var unit in _units)
            {
                WriteUnit(json, unit);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private void WriteRequestsAndRejects(Utf8JsonWriter json)
    {
        json.WriteStartObject("requests");
        foreach (var (kind, count) in _requests.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            json.WriteNumber(kind, count);
        }

        json.WriteEndObject();
        json.WriteStartObject("rejects");
        json.WriteNumber("total", _rejects.Values.Sum());
        foreach (var reason in Enum.GetValues<RejectReason>())
        {
            json.WriteNumber(ProtocolException.Key(reason), _rejects.GetValueOrDefault(reason));
        }

        json.WriteEndObject();
    }

    private void WriteClients(Utf8JsonWriter json)
    {
        json.WriteStartArray("clients");
        foreach (var (address, seen) in _clients.OrderBy(c => c.Value.First))
        {
            json.WriteStartObject();
            json.WriteString("address", address);
            json.WriteString("firstSeen", Stamp(seen.First));
            json.WriteString("lastSeen", Stamp(seen.Last));
            json.WriteNumber("requests", seen.Requests);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteNumber("otherClientRequests", _otherClients);
    }

    private static void WriteUnit(Utf8JsonWriter json, WorkUnit unit)
    {
        json.WriteStartObject();
        json.WriteString("name", unit.Name);
        json.WriteString("result", unit.ResultName);
        json.WriteString("state", unit.State);
        foreach (string step in s_steps)
        {
            json.WriteBoolean(step, step switch
            {
                "sent" => unit.SentAt is not null,
                "uploaded" => unit.UploadedAt is not null,
                "reported" => unit.ReportedAt is not null,
                _ => unit.Outcome == step,
            });
        }

        WriteOptional(json, "sentTo", unit.SentTo);
        WriteOptional(json, "sentAt", unit.SentAt);
        json.WriteNumber("resent", unit.Resent);
        WriteOptional(json, "downloadedAt", unit.DownloadedAt);
        WriteOptional(json, "uploadedAt", unit.UploadedAt);
        if (unit.UploadedBytes is { } bytes)
        {
            json.WriteNumber("uploadedBytes", bytes);
        }

        WriteOptional(json, "reportedAt", unit.ReportedAt);
        if (unit.ExitStatus is { } exit)
        {
            json.WriteNumber("exitStatus", exit);
        }

        WriteOptional(json, "reason", unit.Reason);
        json.WriteEndObject();
    }

    private static void WriteOptional(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }

    private static void WriteOptional(Utf8JsonWriter json, string name, DateTimeOffset? value)
    {
        if (value is { } time)
        {
            json.WriteString(name, Stamp(time));
        }
    }

    /// <summary>UTC to the millisecond, as the log lines: 2026-12-06T10:00:00.123Z.</summary>
    private static string Stamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
