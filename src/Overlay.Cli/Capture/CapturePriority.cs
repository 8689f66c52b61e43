using System.Globalization;
using Overlay.Common.Interop.Unix;

namespace Overlay.Cli.Capture;

/// <summary>
/// tvdctl capture runs beside the daemon it captures from, usually on the same cores. Under contention the
/// forwarding threads should win and the capture lose frames (counted by the daemon's ring), not the other way
/// round; so tvdctl lowers every thread it has to <see cref="Nice"/> (threads made later inherit it), as the
/// daemon does for the thread that drains a capture's ring. Lowering needs no privilege; a failure (a sandbox
/// forbidding setpriority) leaves the priority as it was.
/// </summary>
internal static class CapturePriority
{
    /// <summary>The daemon's capture thread's value (the lowest): about 1.5 % of a nice-0 thread's share under contention.</summary>
    public const int Nice = 19;

    public static void LowerThisProcess()
    {
        try
        {
            foreach (string task in Directory.EnumerateDirectories("/proc/self/task"))
            {
                if (int.TryParse(Path.GetFileName(task), NumberStyles.None, CultureInfo.InvariantCulture, out int tid))
                {
                    TryLower(tid);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No /proc: priority is an optimisation.
        }
    }

    private static void TryLower(int tid)
    {
        try
        {
            Interop.LibC.SetThreadNice(tid, Nice);
        }
        catch (ErrnoException)
        {
            // The thread ended meanwhile, or setpriority is forbidden: leave it.
        }
    }
}
