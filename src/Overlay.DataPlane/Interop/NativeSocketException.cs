using System.Runtime.InteropServices;

namespace Overlay.DataPlane.Interop;

/// <summary>
/// A socket call failed: the call, what it was about (interface, address) and errno, mapped once at
/// the boundary (CONVENTIONS 17). Thrown at binding time (open, bind, options), never from the loops.
/// </summary>
public sealed class NativeSocketException : IOException
{
    public NativeSocketException(string call, string subject, int errno)
        : base($"{call} ({subject}) failed: {Describe(errno)} (errno {errno})")
    {
        Call = call;
        Errno = errno;
    }

    public string Call { get; }

    public int Errno { get; }

    private static string Describe(int errno) => errno switch
    {
        1 => "operation not permitted (needs CAP_NET_RAW / CAP_NET_ADMIN)",
        13 => "permission denied",
        19 => "no such device",
        22 => "invalid argument",
        97 => "address family not supported",
        98 => "address already in use",
        99 => "cannot assign requested address (not an address of this host)",
        100 => "network is down",
        _ => Marshal.GetPInvokeErrorMessage(errno),
    };
}
