using System.Runtime.InteropServices;

namespace Overlay.Common.Interop.Unix;

/// <summary>
/// A file descriptor (from open(2), socket(2), bpf(2)…), closed exactly once, in <see cref="ReleaseHandle"/>, after
/// every in-flight call holding a reference (LibraryImport's SafeHandle marshalling adds one per call) has returned.
/// A module derives its own kinds (a socket, a BPF object) so a signature says which descriptor it takes. A project
/// that tracks live handles for leak checks implements <see cref="OnAdopted"/> and <see cref="OnReleased"/> in a
/// partial part of its own.
/// </summary>
internal partial class SafeUnixFd : SafeHandle
{
    private static long s_nextTraceId;
    private readonly long _traceId = Interlocked.Increment(ref s_nextTraceId);

    /// <summary>An invalid handle, which <see cref="Adopt"/> then fills (the marshaller needs this constructor).</summary>
    public SafeUnixFd()
        : base(invalidHandleValue: -1, ownsHandle: true)
    {
    }

    /// <summary>What the descriptor is for, set by its opener ("udp 10.200.0.1:4500", "packet tl1-h1red").</summary>
    public string Description { get; set; } = "";

    /// <summary>The raw descriptor, for structures that carry one (the caller keeps this handle alive meanwhile).</summary>
    public int Fd => (int)handle;

    public override bool IsInvalid => handle == -1;

    /// <summary>The kind of descriptor, first in <see cref="ToString"/>.</summary>
    protected virtual string Kind => "fd";

    /// <summary>Takes ownership of a descriptor a system call just returned.</summary>
    internal void Adopt(int fd)
    {
        SetHandle(fd);
        OnAdopted();
    }

    /// <summary>The cached trace id (not the descriptor number, which the kernel reuses) and the description.</summary>
    public override string ToString() => Description.Length == 0 ? $"{Kind}#{_traceId}" : $"{Kind}#{_traceId} {Description}";

    protected override bool ReleaseHandle()
    {
        OnReleased();
        return Interop.LibC.Close((int)handle) == 0;
    }

    partial void OnAdopted();

    partial void OnReleased();
}
