using System.Diagnostics;
using Overlay.Hypervisor.Tests.Support;

namespace Overlay.Hypervisor.Tests.Integration;

/// <summary>
/// What every real-QEMU test needs once per run: a libvirtd answering on qemu:///system (started by
/// scripts/libvirtd.sh or reused) and the tiny guest from scripts/guest-image.sh. Prepared on first use, not
/// in the constructor, so that skipped tests (no root, no packages) start no daemon and download nothing.
/// A libvirtd that did not answer before the tests is stopped after them (the guests are gone by then);
/// one that already ran is left running.
/// </summary>
public sealed class QemuHostFixture : IDisposable
{
    /// <summary>The first build downloads a ~70 MB kernel package (~10 s here); later runs reuse it.</summary>
    private static readonly TimeSpan ImageTimeout = TimeSpan.FromMinutes(5);

    private readonly Lazy<Prepared> _prepared = new(Prepare);

    /// <summary>The guest with the BOINC client (guest-image.sh --boinc): ~40 more packages, ~12 MB of initrd.</summary>
    private readonly Lazy<GuestImage> _boinc = new(() => BuildImage("guest-image-boinc", "--boinc"));

    /// <summary>Direct-boot kernel of the test guest.</summary>
    public string Kernel => _prepared.Value.Kernel;

    public string Initrd => _prepared.Value.Initrd;

    /// <summary>What the scripts said and how long they took, for the test output.</summary>
    public string Report => _prepared.Value.Report;

    /// <summary>The BOINC client guest, built (or found up to date) on first use, after libvirtd is up.</summary>
    public GuestImage Boinc
    {
        get
        {
            EnsureReady();
            return _boinc.Value;
        }
    }

    /// <summary>Runs the scripts on first use; a failure fails every test that needs them, with the scripts' output.</summary>
    public void EnsureReady() => _ = _prepared.Value;

    public void Dispose()
    {
        if (_prepared.IsValueCreated && _prepared.Value.StartedLibvirtd)
        {
            LibvirtdScript.Stop();
        }
    }

    private static Prepared Prepare()
    {
        var clock = Stopwatch.StartNew();
        var startedLibvirtd = !LibvirtdScript.Answers();
        var libvirtd = LibvirtdScript.Start();
        var libvirtdTime = clock.Elapsed;

        var image = BuildImage("guest-image");
        var report = $"{libvirtd.Trim()}\n(libvirtd.sh start: {libvirtdTime.TotalSeconds:0.0} s)\n{image.Report}";
        return new Prepared(image.Kernel, image.Initrd, report, startedLibvirtd);
    }

    /// <summary>Runs scripts/guest-image.sh [options] out/&lt;dir&gt;.</summary>
    private static GuestImage BuildImage(string dir, params string[] options)
    {
        var clock = Stopwatch.StartNew();
        var outDir = Path.Combine(TestPolicies.RepoRoot(), "out", dir);
        var script = Path.Combine(TestPolicies.RepoRoot(), "scripts", "guest-image.sh");
        var output = Command.Check(script, ImageTimeout, [.. options, outDir]);
        var report = $"{output.Trim()}\n({string.Join(' ', ["guest-image.sh", .. options])}: {clock.Elapsed.TotalSeconds:0.0} s)";
        return new GuestImage(Path.Combine(outDir, "vmlinuz"), Path.Combine(outDir, "initrd.img"), report);
    }

    private sealed record Prepared(string Kernel, string Initrd, string Report, bool StartedLibvirtd);
}

/// <summary>A direct-boot guest built by scripts/guest-image.sh, and what the script said.</summary>
public sealed record GuestImage(string Kernel, string Initrd, string Report);
