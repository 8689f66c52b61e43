using System.Runtime.InteropServices;

namespace Overlay.Hypervisor.Interop;

/// <summary>The errno values this module tells apart (asm-generic/errno-base.h, errno.h).</summary>
public enum Errno
{
    EPERM = 1,
    ENOENT = 2,
    EBADF = 9,
    EBUSY = 16,
    EEXIST = 17,
    ENODEV = 19,
    EINVAL = 22,
}

/// <summary>A libc call failed: the operation, the errno value and the system's text for it.</summary>
public sealed class ErrnoException : Exception
{
    public ErrnoException(string operation, int errno)
        : base($"{operation}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})")
    {
        Operation = operation;
        RawErrno = errno;
    }

    public string Operation { get; }

    public int RawErrno { get; }

    /// <summary>The errno as a named value; values not in <see cref="Errno"/> still compare by number.</summary>
    public Errno Errno => (Errno)RawErrno;

    internal static ErrnoException FromLastError(string operation) => new(operation, Marshal.GetLastPInvokeError());
}
