using System.Net.Sockets;
using Overlay.Common.Interop.Unix;

namespace Overlay.Daemon.Control;

/// <summary>
/// Binds the control socket: 0600 inside a 0700 directory owned by the daemon's user (with a control group: 0660 and
/// 0710, both of that group). The directory is what keeps others out (connect(2) needs search permission on it), so
/// the brief window between bind(2) and chmod(2), when the socket still has the umask's mode, exposes nothing — which
/// holds only if nobody else owns the directory (its owner could change its mode or swap the socket) and it is no
/// symbolic link; both are checked at start. Each client is then checked once more by its kernel credentials
/// (<see cref="ControlAccess"/>).
/// </summary>
public sealed class ControlSocketListener : IDisposable
{
    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode SocketMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode Other = UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
    private const UnixFileMode Group = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute;

    /// <summary>Pending connections beyond this are refused by the kernel; tvdctl is the only client.</summary>
    private const int Backlog = 16;

    private readonly Socket _socket;
    private int _disposed;

    private ControlSocketListener(Socket socket, string path)
    {
        _socket = socket;
        Path = path;
    }

    public string Path { get; }

    /// <summary>
    /// The checks <see cref="Bind"/> makes before binding, made alone at start-up before any subsystem (the embedded
    /// swtpm) starts: the socket's directory is created private or is private, and no live daemon answers on the path.
    /// </summary>
    /// <exception cref="ControlSocketException">The directory is not private (mode, owner, a link), or another daemon serves the path.</exception>
    public static void Check(string path, ControlAccess access)
    {
        EnsurePrivateDirectory(System.IO.Path.GetDirectoryName(path) ?? "/", access);
        RemoveStaleSocket(path);
    }

    /// <exception cref="ControlSocketException">The directory is not private (mode, owner, a link), or another daemon serves the path, or bind fails.</exception>
    public static ControlSocketListener Bind(string path, ControlAccess? access = null)
    {
        access ??= new ControlAccess(Interop.LibC.GetEffectiveUserId());
        string directory = System.IO.Path.GetDirectoryName(path) ?? "/";
        EnsurePrivateDirectory(directory, access);
        RemoveStaleSocket(path);

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(path));
            if (access.Group is { } group)
            {
                Interop.LibC.SetGroup(path, group);
                File.SetUnixFileMode(path, SocketMode | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
            }
            else
            {
                File.SetUnixFileMode(path, SocketMode);
            }

            socket.Listen(Backlog);
            return new ControlSocketListener(socket, path);
        }
        catch (Exception e) when (e is SocketException or IOException or UnauthorizedAccessException or ErrnoException)
        {
            socket.Dispose();
            TryDelete(path);
            throw new ControlSocketException($"cannot listen on control socket {path}: {e.Message}", e);
        }
    }

    public ValueTask<Socket> AcceptAsync(CancellationToken cancellationToken) => _socket.AcceptAsync(cancellationToken);

    /// <summary>Closes the socket and removes its file, so a stopped daemon leaves nothing behind.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _socket.Dispose();
            TryDelete(Path);
        }
    }

    private static void EnsurePrivateDirectory(string directory, ControlAccess access)
    {
        try
        {
            if (!Directory.Exists(directory))
            {
                Directory.CreateDirectory(directory, DirectoryMode);
                if (access.Group is { } group)
                {
                    Interop.LibC.SetGroup(directory, group);
                    File.SetUnixFileMode(directory, DirectoryMode | UnixFileMode.GroupExecute);
                }
            }

            if (DirectoryProblem(directory, Interop.LibC.StatNoFollow(directory), access) is { } problem)
            {
                throw new ControlSocketException(problem);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ErrnoException)
        {
            throw new ControlSocketException($"cannot prepare control socket directory {directory}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Null when only the daemon's user (and the control group, if any) can reach a socket in the directory: a real
    /// directory (no symbolic link), owned by the daemon's user, nothing for others, and for the group at most search
    /// and read, and only for the control group.
    /// </summary>
    internal static string? DirectoryProblem(string directory, Interop.statx stat, ControlAccess access)
    {
        if (stat.IsSymbolicLink)
        {
            return $"control socket directory {directory} is a symbolic link; it must be a directory of its own";
        }

        if (!stat.IsDirectory)
        {
            return $"control socket directory {directory} is not a directory";
        }

        if (stat.stx_uid != access.DaemonUid)
        {
            return $"control socket directory {directory} is owned by uid {stat.stx_uid}; it must be owned by the daemon's user " +
                $"(uid {access.DaemonUid}): its owner could open it to anyone or replace the socket";
        }

        UnixFileMode mode = stat.Permissions;
        bool groupAllowed = access.Group is { } g && stat.stx_gid == g && (mode & UnixFileMode.GroupWrite) == 0;
        if ((mode & Other) != 0 || ((mode & Group) != 0 && !groupAllowed))
        {
            string octal = Convert.ToString((int)mode, 8).PadLeft(4, '0');
            return access.Group is { } group
                ? $"control socket directory {directory} has mode {octal} (group {stat.stx_gid}); it must be 0700, or 0710/0750 with group {group} (control_group)"
                : $"control socket directory {directory} has mode {octal}; it must be 0700 (only the daemon's user may reach the socket)";
        }

        return null;
    }

    /// <summary>A socket file nobody answers on is left over from a crash; one that answers belongs to a live daemon.</summary>
    private static void RemoveStaleSocket(string path)
    {
        if (!File.Exists(path))
        {
            return;
        }

        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException)
        {
            TryDelete(path);
            return;
        }

        throw new ControlSocketException($"another tvd-overlayd is already answering on {path}");
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Nothing more to do; the next start treats the file as stale.
        }
    }
}

/// <summary>The control socket could not be set up; the daemon does not start without it.</summary>
public sealed class ControlSocketException(string message, Exception? inner = null) : Exception(message, inner);
