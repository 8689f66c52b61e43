using System.Diagnostics;
using System.Text;

namespace Overlay.Demo.BoincServer.Tests.Integration;

/// <summary>
/// Two network namespaces joined by a veth pair: the server's (tbsNNNNs, 10.254.X.1) and the real BOINC client's
/// (tbsNNNNc, 10.254.X.2), NNNN from the test's process id. Everything it creates (namespaces, links, processes,
/// its directory) is removed in Dispose, also after a failed setup.
/// <code>
///   [tbsNNNNs] tvd-boinc-server 10.254.X.1:80 ── veth ── 10.254.X.2 boinc --dir DIR/client [tbsNNNNc]
/// </code>
/// </summary>
internal sealed class BoincLab : IDisposable
{
    public const string BoincPath = "/usr/bin/boinc";
    public const string BoinccmdPath = "/usr/bin/boinccmd";

    private readonly List<Process> _processes = [];
    private readonly List<TextWriter> _logs = [];
    private readonly TempDir _dir = new("tbs-lab.");

    public BoincLab()
    {
        int id = Environment.ProcessId % 10000;
        ServerNs = $"tbs{id}s";
        ClientNs = $"tbs{id}c";
        int subnet = 10 + id % 240;
        ServerAddress = $"10.254.{subnet}.1";
        ClientAddress = $"10.254.{subnet}.2";
        try
        {
            Teardown(); // a previous run of the same pid that was killed before its Dispose
            Ip($"netns add {ServerNs}");
            Ip($"netns add {ClientNs}");
            Ip($"link add {ServerNs}0 netns {ServerNs} type veth peer name {ClientNs}0 netns {ClientNs}");
            Ip($"-n {ServerNs} addr add {ServerAddress}/24 dev {ServerNs}0");
            Ip($"-n {ClientNs} addr add {ClientAddress}/24 dev {ClientNs}0");
            foreach (var (ns, dev) in new[] { (ServerNs, "lo"), (ServerNs, ServerNs + "0"), (ClientNs, "lo"), (ClientNs, ClientNs + "0") })
            {
                Ip($"-n {ns} link set {dev} up");
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Why the test cannot run here, or null: root (namespaces, port 80) and the Debian boinc-client.</summary>
    public static string? SkipReason()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            return "needs root on Linux to create network namespaces";
        }

        return File.Exists(BoincPath) && File.Exists(BoinccmdPath) ? null : "the BOINC client is not installed (apt-get install boinc-client; scripts/deps.sh does)";
    }

    public string ServerNs { get; }

    public string ClientNs { get; }

    public string ServerAddress { get; }

    public string ClientAddress { get; }

    public string Dir => _dir.Path;

    /// <summary>Starts <paramref name="file"/> inside namespace <paramref name="ns"/>, its output appended to <paramref name="log"/>.</summary>
    public Process Start(string ns, string log, string file, params string[] args)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Dir };
        foreach (string a in (string[])["netns", "exec", ns, file, .. args])
        {
            psi.ArgumentList.Add(a);
        }

        var process = Process.Start(psi)!;
        _processes.Add(process);
        var writer = TextWriter.Synchronized(new StreamWriter(Path.Combine(Dir, log), append: true) { AutoFlush = true });
        _logs.Add(writer);
        process.OutputDataReceived += (_, e) => Write(writer, e.Data);
        process.ErrorDataReceived += (_, e) => Write(writer, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public string Log(string log) => File.Exists(Path.Combine(Dir, log)) ? File.ReadAllText(Path.Combine(Dir, log)) : "";

    /// <summary>Runs a command inside a namespace to its end (at most 20 s); returns exit code and output.</summary>
    public static (int Code, string Output) Run(string ns, string file, params string[] args)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in (string[])["netns", "exec", ns, file, .. args])
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(20_000))
        {
            p.Kill(entireProcessTree: true);
            return (-1, "timed out after 20 s");
        }

        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    public void Dispose()
    {
        foreach (var process in _processes)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(5000);
                }
            }
            catch (InvalidOperationException)
            {
                // exited meanwhile
            }

            process.Dispose();
        }

        foreach (var writer in _logs)
        {
            writer.Dispose();
        }

        Teardown();
        _dir.Dispose();
    }

    private void Teardown()
    {
        // Deleting a namespace deletes the veth pair in it too.
        foreach (string ns in new[] { ServerNs, ClientNs })
        {
            if (File.Exists($"/run/netns/{ns}"))
            {
                Ip($"netns del {ns}", check: false);
            }
        }
    }

    private static void Write(TextWriter writer, string? line)
    {
        if (line is not null)
        {
            writer.WriteLine(line);
        }
    }

    private static void Ip(string args, bool check = true)
    {
        using var p = Process.Start(new ProcessStartInfo("ip", args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        string text = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit(10_000);
        if (check && p.ExitCode != 0)
        {
            throw new InvalidOperationException($"ip {args}: {text}");
        }
    }

    public static string Describe(params (string Name, string Text)[] parts)
    {
        var text = new StringBuilder();
        foreach (var (name, body) in parts)
        {
            text.Append($"\n--- {name} ---\n").Append(body.Length > 6000 ? body[^6000..] : body);
        }

        return text.ToString();
    }
}
