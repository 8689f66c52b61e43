using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Overlay.Demo.BoincServer.Tests.Integration;

/// <summary>Runs only where the lab can be built (root, boinc-client installed); skipped with the reason otherwise.</summary>
public sealed class BoincFactAttribute : FactAttribute
{
    public BoincFactAttribute()
    {
        Skip = BoincLab.SkipReason();
    }
}

/// <summary>
/// tvd-boinc-server against the real Debian boinc-client 7.20, each in its own network namespace: the client
/// attaches, fetches the master page, gets two work units by scheduler RPC, downloads their inputs, runs the
/// demo's anonymous-platform app (demo/boinc/app), uploads out.txt by the file upload handler protocol, reports
/// the results and has them acked; the server validates both hash chains.
/// </summary>
public sealed class BoincClientTests(ITestOutputHelper output)
{
    private const string Authenticator = "0123456789abcdef0123456789abcdef";
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(55);

    [BoincFact]
    public void The_real_client_runs_two_work_units_and_the_server_says_all_valid()
    {
        var clock = Stopwatch.StartNew();
        using var lab = new BoincLab();
        string serverDir = Path.Combine(lab.Dir, "server");
        string statusFile = Path.Combine(serverDir, "status.json");
        Directory.CreateDirectory(serverDir);
        lab.Start(lab.ServerNs, "server.log", "dotnet", Path.Combine(AppContext.BaseDirectory, "tvd-boinc-server.dll"),
            "--listen", $"{lab.ServerAddress}:80", "--data", serverDir, "--units", "2", "--rounds", "50",
            "--status", statusFile, "--next-rpc-delay", "2");
        Assert.True(WaitFor(() => File.Exists(statusFile) && lab.Log("server.log").Contains("tvd-boinc-server: project", StringComparison.Ordinal), clock),
            "the server did not start" + Diagnostics(lab, statusFile));

        string masterUrl = $"http://{lab.ServerAddress}/";
        string clientDir = Path.Combine(lab.Dir, "client");
        PlaceApp(Path.Combine(clientDir, "projects", lab.ServerAddress));
        File.WriteAllText(Path.Combine(clientDir, "global_prefs_override.xml"),
            "<global_preferences><suspend_cpu_usage>0</suspend_cpu_usage><max_ncpus_pct>50</max_ncpus_pct></global_preferences>\n");
        lab.Start(lab.ClientNs, "client.log", BoincLab.BoincPath, "--dir", clientDir, "--allow_remote_gui_rpc", "--skip_cpu_benchmarks",
            "--attach_project", masterUrl, Authenticator);

        bool allValid = WaitFor(() => ReadStatus(statusFile)?.RootElement.GetProperty("allValid").GetBoolean() == true, clock);
        output.WriteLine($"all work units valid after {clock.Elapsed.TotalSeconds:F1} s (lab setup included)");
        Assert.True(allValid, "the server never said all work units valid" + Diagnostics(lab, statusFile));

        // The server's account of each step, as the demo shows it.
        string serverLog = lab.Log("server.log");
        Assert.Contains($"master page to {lab.ClientAddress}", serverLog);
        Assert.Matches($@"scheduler RPC from {Regex.Escape(lab.ClientAddress)} \(client 7\.20\.\d+, hostid 0\): sent wu_1, wu_2", serverLog);
        foreach (string unit in new[] { "wu_1", "wu_2" })
        {
            Assert.Contains($"download {unit}_in (", serverLog);
            Assert.Contains($"upload {unit}_0 out.txt ({unit}_0_out) 68 bytes from {lab.ClientAddress}: the hash chain checks out", serverLog);
            Assert.Contains($"result {unit}_0 reported: valid", serverLog);
        }

        Assert.Contains("all work units valid (2/2)", serverLog);
        Assert.DoesNotContain("reject ", serverLog);

        using (var status = ReadStatus(statusFile)!)
        {
            var root = status.RootElement;
            Assert.Equal(2, root.GetProperty("counts").GetProperty("valid").GetInt32());
            Assert.Equal(0, root.GetProperty("rejects").GetProperty("total").GetInt32());
            Assert.Equal(lab.ClientAddress, root.GetProperty("clients")[0].GetProperty("address").GetString());
            Assert.All(root.GetProperty("units").EnumerateArray(), u =>
            {
                Assert.Equal("valid", u.GetProperty("state").GetString());
                Assert.Equal(lab.ClientAddress, u.GetProperty("sentTo").GetString());
                Assert.Equal(0, u.GetProperty("exitStatus").GetInt32());
            });
        }

        // The client's account: it downloaded, ran, uploaded and reported each task, and took the acks (an acked
        // task leaves the client's task list; the project counts it as succeeded).
        string clientLog = lab.Log("client.log");
        foreach (string unit in new[] { "wu_1", "wu_2" })
        {
            Assert.Contains($"Finished download of {unit}_in", clientLog);
            Assert.Contains($"Computation for task {unit}_0 finished", clientLog);
            Assert.Contains($"Finished upload of {unit}_0_out", clientLog);
        }

        Assert.Matches(@"Reporting \d completed tasks?", clientLog);
        string password = File.ReadAllText(Path.Combine(clientDir, "gui_rpc_auth.cfg")).Trim();
        string tasks = "";
        Assert.True(WaitFor(() =>
        {
            var (code, text) = BoincLab.Run(lab.ClientNs, BoincLab.BoinccmdPath, "--host", "127.0.0.1", "--passwd", password, "--get_tasks");
            tasks = text;
            return code == 0 && !text.Contains("name: wu_", StringComparison.Ordinal);
        }, clock), "the client still holds tasks (not acked?):\n" + tasks + Diagnostics(lab, statusFile));
        var (projectCode, project) = BoincLab.Run(lab.ClientNs, BoincLab.BoinccmdPath, "--host", lab.ClientAddress, "--passwd", password, "--get_project_status");
        Assert.True(projectCode == 0, project);
        Assert.Contains("name: TVD grid demo", project);
        Assert.Contains("jobs succeeded: 2", project);
        output.WriteLine($"done in {clock.Elapsed.TotalSeconds:F1} s");
    }

    private static void PlaceApp(string projectDir)
    {
        Directory.CreateDirectory(projectDir);
        foreach (string file in Directory.GetFiles(TestFiles.AppDir))
        {
            string target = Path.Combine(projectDir, Path.GetFileName(file));
            File.Copy(file, target);
            if (file.EndsWith(".sh", StringComparison.Ordinal) && !OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(target, (UnixFileMode)0b111_101_101);
            }
        }
    }

    private static JsonDocument? ReadStatus(string file)
    {
        try
        {
            return File.Exists(file) ? JsonDocument.Parse(File.ReadAllBytes(file)) : null;
        }
        catch (JsonException)
        {
            return null; // never: the server renames a whole file into place; here for a clear failure instead
        }
    }

    private static bool WaitFor(Func<bool> condition, Stopwatch clock)
    {
        while (clock.Elapsed < Budget)
        {
            if (condition())
            {
                return true;
            }

            Thread.Sleep(250);
        }

        return condition();
    }

    private static string Diagnostics(BoincLab lab, string statusFile) => BoincLab.Describe(
        ("server.log", lab.Log("server.log")),
        ("status.json", File.Exists(statusFile) ? File.ReadAllText(statusFile) : "(none)"),
        ("client.log", lab.Log("client.log")));
}
