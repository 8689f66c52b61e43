using System.Runtime.InteropServices;

namespace Overlay.Common.Interop.Unix;

/// <summary>
/// The errno values the modules tell apart by name (asm-generic/errno-base.h, errno.h; x86_64 and aarch64 agree).
/// A value not listed here still round-trips through the enum by number.
/// </summary>
internal enum Errno
{
    EPERM = 1,
    ENOENT = 2,
    EINTR = 4,
    EIO = 5,
    EBADF = 9,
    EAGAIN = 11,
    EACCES = 13,
    EBUSY = 16,
    EEXIST = 17,
    ENODEV = 19,
    EINVAL = 22,
    EPROTO = 71,
    EAFNOSUPPORT = 97,
    EADDRINUSE = 98,
    EADDRNOTAVAIL = 99,
    ENETDOWN = 100,
}

/// <summary>
/// One failed libc call's errno, taken once at the boundary (CONVENTIONS 17, dotnet/runtime's
/// <c>Interop.ErrorInfo</c>): the raw value, its name, and the C library's own words for it (strerror(3)).
/// </summary>
internal readonly record struct ErrorInfo(int RawErrno)
{
    public Errno Errno => (Errno)RawErrno;

    /// <summary>strerror(3)'s text, e.g. "Device or resource busy".</summary>
    public string Message => Marshal.GetPInvokeErrorMessage(RawErrno);

    /// <summary>The errno the last P/Invoke declared with <c>SetLastError = true</c> left on this thread.</summary>
    public static ErrorInfo Last() => new(Marshal.GetLastPInvokeError());

    public override string ToString() => $"{Message} (errno {RawErrno})";
}
