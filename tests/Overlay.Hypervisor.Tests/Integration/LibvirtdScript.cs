using System.Globalization;
using Overlay.Hypervisor.Tests.Support;

namespace Overlay.Hypervisor.Tests.Integration;

/// <summary>scripts/libvirtd.sh and the pid file it keeps for the libvirtd it started.</summary>
internal static class LibvirtdScript
{
    public const string PidFile = "/run/tvd-libvirt/libvirtd.pid";

    /// <summary>First start probes QEMU's capabilities (~8 s); the script itself waits at most 60 s.</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    public static string Path => System.IO.Path.Combine(TestPolicies.RepoRoot(), "scripts", "libvirtd.sh");

    /// <summary>Starts (or reuses) libvirtd; returns the script's report. Fails the test when it cannot.</summary>
    public static string Start() => Command.Check(Path, StartTimeout, "start");

    /// <summary>True when qemu:///system answers now (`libvirtd.sh status` exits 0).</summary>
    public static bool Answers() => Command.Run(Path, TimeSpan.FromSeconds(15), "status").Succeeded;

    /// <summary>Stops what the script started (libvirtd and virtlogd); leaves anyone else's alone.</summary>
    public static string Stop() => Command.Check(Path, TimeSpan.FromSeconds(60), "stop");

    /// <summary>The live libvirtd the script started, or null (none, or someone else's).</summary>
    public static int? OwnPid()
    {
        try
        {
            var text = File.ReadAllText(PidFile).Trim();
            return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && IsLiveLibvirtd(pid)
                ? pid
                : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>A live libvirtd that the script did not start, or null.</summary>
    public static int? ForeignLibvirtdPid()
    {
        var own = OwnPid();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(System.IO.Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && pid != own && IsLiveLibvirtd(pid))
            {
                return pid;
            }
        }

        return null;
    }

    /// <summary>Named libvirtd and not a zombie (a killed daemon stays one until PID 1 reaps it).</summary>
    private static bool IsLiveLibvirtd(int pid)
    {
        try
        {
            if (File.ReadAllText($"/proc/{pid}/comm").Trim() != "libvirtd")
            {
                return false;
            }

            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z') is false;
        }
        catch (IOException)
        {
            return false;
        }
    }
}
