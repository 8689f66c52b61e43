using System.Net;
using System.Text;
using System.Text.Json;
using Overlay.Demo.BoincServer.Project;
using Overlay.Demo.BoincServer.Protocol;

namespace Overlay.Demo.BoincServer.Tests.Project;

/// <summary>The status JSON docs/demo.md shows has the fields the server writes for a finished unit, no more, no fewer.</summary>
public sealed class StatusDocsTests
{
    [Fact]
    public void The_documented_status_has_the_fields_of_the_real_one()
    {
        using var documented = JsonDocument.Parse(DocumentedStatus());
        using var dir = new TempDir();
        var options = new ServerOptions { Listen = IPEndPoint.Parse("10.99.0.1:80"), DataDir = dir.Path, Units = 1, Rounds = 3 };
        var time = TimeProvider.System;
        var project = new ProjectState(options, time, new ServerLog(TextWriter.Null, time));
        foreach (string kind in new[] { "master", "scheduler", "download", "upload" })
        {
            project.Seen("10.99.0.2", kind);
        }

        project.Schedule(SchedulerRequest.Parse("<scheduler_request><work_req_seconds>1</work_req_seconds></scheduler_request>"u8.ToArray()), "10.99.0.2");
        var unit = project.Download("wu_1_in", "10.99.0.2");
        byte[] output = Encoding.ASCII.GetBytes($"3 {HashChain.Compute(unit.Seed, 3)}\n");
        byte[] upload = [.. Protocol.UploadRequestTests.Header("wu_1_0_out", output.Length, 0), .. output];
        project.Upload(UploadRequest.Parse(upload), "10.99.0.2");
        project.Schedule(SchedulerRequest.Parse("<scheduler_request><result><name>wu_1_0</name><exit_status>0</exit_status><state>5</state></result></scheduler_request>"u8.ToArray()), "10.99.0.2");
        using var real = JsonDocument.Parse(project.StatusJson());

        var written = Paths(real.RootElement, "");
        var shown = Paths(documented.RootElement, "");
        Assert.True(written.SetEquals(shown), $"written, not documented: {string.Join(", ", written.Except(shown))}; documented, not written: {string.Join(", ", shown.Except(written))}");
    }

    // Property paths, arrays reduced to their first element.
    private static SortedSet<string> Paths(JsonElement element, string prefix)
    {
        var paths = new SortedSet<string>(StringComparer.Ordinal);
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    string path = prefix + "/" + property.Name;
                    paths.Add(path);
                    paths.UnionWith(Paths(property.Value, path));
                }

                break;
            case JsonValueKind.Array when element.GetArrayLength() > 0:
                paths.UnionWith(Paths(element[0], prefix + "[]"));
                break;
        }

        return paths;
    }

    private static string DocumentedStatus()
    {
        string[] lines = File.ReadAllLines(Path.Combine(TestFiles.RepoRoot, "docs", "demo.md"));
        int heading = Array.FindIndex(lines, l => l.Trim() == "### The status JSON");
        Assert.True(heading >= 0, "docs/demo.md has no '### The status JSON' section");
        int start = Array.FindIndex(lines, heading, l => l.Trim() == "```json");
        int end = Array.FindIndex(lines, start + 1, l => l.Trim() == "```");
        Assert.True(start > heading && end > start, "no ```json block in docs/demo.md's status section");
        return string.Join('\n', lines[(start + 1)..end]);
    }
}
