using Overlay.Common.Interop.Unix;
using UnixErrno = Overlay.Common.Interop.Unix.Errno;

namespace Overlay.DataPlane.Interop;

/// <summary>
/// A socket call failed: the call, what it was about (interface, address) and errno, mapped once at
/// the boundary (CONVENTIONS 17). Thrown at binding time (open, bind, options), never from the loops.
/// Public because the daemon catches it to report a port or the underlay it could not open.
/// </summary>
public sealed class NativeSocketException : IOException
{
    public NativeSocketException(string call, string subject, int errno)
        : base($"{call} ({subject}) failed: {Describe(call, new ErrorInfo(errno))} (errno {errno})")
    {
        Call = call;
        Errno = errno;
    }

    public string Call { get; }

    public int Errno { get; }

    /// <summary>What the errno means for a socket, where that says more than strerror(3) does.</summary>
    private static string Describe(string call, ErrorInfo error) => error.Errno switch
    {
        UnixErrno.EPERM => $"operation not permitted ({Needs(call)})",
        UnixErrno.EACCES => "permission denied",
        UnixErrno.ENODEV => "no such device",
        UnixErrno.EINVAL => "invalid argument",
        UnixErrno.EAFNOSUPPORT => "address family not supported",
        UnixErrno.EADDRINUSE => "address already in use",
        UnixErrno.EADDRNOTAVAIL => "cannot assign requested address (not an address of this host)",
        UnixErrno.ENETDOWN => "network is down",
        _ => error.Message,
    };

    /// <summary>The capability a call refused with EPERM wants: each kind of call checks its own (capabilities(7)).</summary>
    private static string Needs(string call) =>
        call.StartsWith("bpf(", StringComparison.Ordinal) ? "needs CAP_BPF, and CAP_NET_ADMIN for an XDP program; CAP_SYS_ADMIN covers both"
        : call.StartsWith("socket", StringComparison.Ordinal) ? "needs CAP_NET_RAW for AF_PACKET and AF_XDP sockets"
        : call.StartsWith("setsockopt", StringComparison.Ordinal) || call.StartsWith("rtnetlink", StringComparison.Ordinal) ? "needs CAP_NET_ADMIN"
        : "needs CAP_NET_RAW / CAP_NET_ADMIN";
}
