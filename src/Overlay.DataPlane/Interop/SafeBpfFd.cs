using System.Runtime.InteropServices;

namespace Overlay.DataPlane.Interop;

/// <summary>
/// A file descriptor returned by bpf(2): a map, a program or a link. Closing a link fd detaches its XDP
/// program; closing the last fd of a map or program frees it. So a daemon that dies leaves nothing
/// attached (links are never pinned here).
/// </summary>
internal sealed class SafeBpfFd : SafeHandle
{
    private static long s_nextTraceId;
    private readonly long _traceId = Interlocked.Increment(ref s_nextTraceId);

    public SafeBpfFd()
        : base(invalidHandleValue: -1, ownsHandle: true)
    {
    }

    public string Description { get; set; } = "";

    /// <summary>The raw descriptor, for bpf_attr fields (the caller keeps this handle alive meanwhile).</summary>
    public int Fd => (int)handle;

    internal void Adopt(int fd) => SetHandle(fd);

    public override bool IsInvalid => handle == -1;

    public override string ToString() => $"bpf#{_traceId} {Description}";

    protected override bool ReleaseHandle() => Interop.LibC.Close((int)handle) == 0;
}
