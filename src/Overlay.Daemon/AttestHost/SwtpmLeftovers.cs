using System.Diagnostics;

namespace Overlay.Daemon.AttestHost;

/// <summary>
/// Finds swtpm processes serving a given state directory (from /proc), and tells a live daemon's swtpm from one a
/// crashed daemon left behind: a swtpm whose parent is no longer a tvd-overlayd answers on the sockets but belongs
/// to nobody, and would otherwise keep every later start from taking its state.
/// </summary>
internal static class SwtpmLeftovers
{
    private static readonly TimeSpan KillTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The pids of swtpm processes started with <c>--tpmstate dir=&lt;directory&gt;</c>, with their parent pids.</summary>
    public static List<(int Pid, int ParentPid)> Find(string directory)
    {
        string stateArgument = $"dir={Path.GetFullPath(directory)}";
        var found = new List<(int, int)>();
        foreach (string entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), out int pid) || Read($"{entry}/comm")?.Trim() != "swtpm")
            {
                continue;
            }

            string[] arguments = (Read($"{entry}/cmdline") ?? "").Split('\0');
            int state = Array.IndexOf(arguments, "--tpmstate");
            if (state >= 0 && state + 1 < arguments.Length && arguments[state + 1] == stateArgument && ParentOf(pid) is int parent)
            {
                found.Add((pid, parent));
            }
        }

        return found;
    }

    /// <summary>True when the process is a tvd-overlayd (run as its apphost or as <c>dotnet tvd-overlayd.dll</c>).</summary>
    public static bool IsDaemon(int pid) =>
        Read($"/proc/{pid}/cmdline")?.Split('\0').Take(2).Any(a => Path.GetFileName(a).StartsWith("tvd-overlayd", StringComparison.Ordinal)) == true;

    /// <summary>Kills a leftover swtpm and waits (bounded) until it is gone.</summary>
    public static void Kill(int pid)
    {
        try
        {
            using Process process = Process.GetProcessById(pid);
            process.Kill();
            process.WaitForExit(KillTimeout);
        }
        catch (ArgumentException)
        {
            // Already gone.
        }
    }

    /// <summary>Field 4 of /proc/PID/stat; the command name before it may contain spaces, so parse after its ')'.</summary>
    private static int? ParentOf(int pid)
    {
        string? stat = Read($"/proc/{pid}/stat");
        int close = stat?.LastIndexOf(')') ?? -1;
        string[] fields = close < 0 ? [] : stat![(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length > 1 && int.TryParse(fields[1], out int parent) ? parent : null;
    }

    private static string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
