using System.Runtime.InteropServices;

namespace Overlay.DataPlane.Interop;

/// <summary>
/// A socket file descriptor owned by the data plane (AF_PACKET port or the UDP underlay socket).
/// Closing happens once, in <see cref="ReleaseHandle"/>, after every in-flight call holding a
/// reference (LibraryImport's SafeHandle marshalling adds one per call) has returned.
/// </summary>
internal sealed class SafeSocketFd : SafeHandle
{
    private static long s_nextTraceId;
    private readonly long _traceId = Interlocked.Increment(ref s_nextTraceId);

    public SafeSocketFd()
        : base(invalidHandleValue: -1, ownsHandle: true)
    {
    }

    /// <summary>A short description set by the opener ("udp 10.200.0.1:4500", "packet tl1-h1red").</summary>
    public string Description { get; set; } = "";

    /// <summary>Takes ownership of a descriptor just returned by socket(2).</summary>
    internal void Adopt(int fd) => SetHandle(fd);

    public override bool IsInvalid => handle == -1;

    public override string ToString() => $"fd#{_traceId} {Description}";

    protected override bool ReleaseHandle() => Interop.LibC.Close((int)handle) == 0;
}
