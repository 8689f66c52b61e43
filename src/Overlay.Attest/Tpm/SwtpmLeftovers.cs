using System.Diagnostics;
using System.Reflection;

namespace Overlay.Attest.Tpm;

/// <summary>
/// Finds swtpm processes serving a given state directory (from /proc), and tells a live owner's swtpm from one a
/// crashed owner left behind: a swtpm whose parent is no longer a process of this program (for the daemon: no
/// longer a tvd-overlayd) answers on the sockets but belongs to nobody, and would otherwise keep every later start
/// from taking its state.
/// </summary>
internal static class SwtpmLeftovers
{
    private static readonly TimeSpan KillTimeout = TimeSpan.FromSeconds(5);

    /// <summary>This program's name: the entry assembly's (tvd-overlayd for the daemon).</summary>
    private static readonly string ProgramName = Assembly.GetEntryAssembly()?.GetName().Name ?? "";

    /// <summary>
    /// Frees <paramref name="directory"/> for a new swtpm: refuses while a live owner's swtpm answers on it, and
    /// kills every leftover (announced to <paramref name="killing"/> first).
    /// </summary>
    /// <exception cref="SwtpmInUseException">A swtpm of a live process of this program serves the directory.</exception>
    public static void TakeOver(string directory, Action<int>? killing)
    {
        foreach ((int pid, int parent) in Find(directory))
        {
            if (IsOwner(parent))
            {
                throw new SwtpmInUseException(pid, parent, Path.Combine(Path.GetFullPath(directory), "tpm.sock"));
            }

            killing?.Invoke(pid);
            Kill(pid);
        }
    }

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

    /// <summary>
    /// True when the process is this one, or runs this program (as its apphost or as <c>dotnet &lt;program&gt;.dll</c>):
    /// its swtpm is in use, not left behind.
    /// </summary>
    public static bool IsOwner(int pid) =>
        pid == Environment.ProcessId
        || (ProgramName.Length > 0
            && Read($"/proc/{pid}/cmdline")?.Split('\0').Take(2).Any(a => Path.GetFileName(a).StartsWith(ProgramName, StringComparison.Ordinal)) == true);

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
