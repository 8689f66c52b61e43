namespace Overlay.Common.Interop.Unix;

/// <summary>A libc call failed: the operation, the errno and the system's text for it.</summary>
internal sealed class ErrnoException : Exception
{
    public ErrnoException(string operation, ErrorInfo error)
        : base($"{operation}: {error}")
    {
        Operation = operation;
        RawErrno = error.RawErrno;
    }

    public string Operation { get; }

    public int RawErrno { get; }

    /// <summary>The errno as a named value; values not in <see cref="Unix.Errno"/> still compare by number.</summary>
    public Errno Errno => (Errno)RawErrno;

    public static ErrnoException FromLastError(string operation) => new(operation, ErrorInfo.Last());
}
