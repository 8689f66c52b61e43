using System.Net.Sockets;

namespace Overlay.Daemon.Control;

/// <summary>
/// Binds the root-only control socket: a 0600 socket inside a 0700 directory. The directory is what keeps
/// others out (connect(2) needs search permission on it), so the brief window between bind(2) and chmod(2),
/// when the socket still has the umask's mode, exposes nothing.
/// </summary>
public sealed class ControlSocketListener : IDisposable
{
    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode SocketMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode GroupOrOther =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

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

    /// <exception cref="ControlSocketException">The directory is not private, or another daemon serves the path, or bind fails.</exception>
    public static ControlSocketListener Bind(string path)
    {
        string directory = System.IO.Path.GetDirectoryName(path) ?? "/";
        EnsurePrivateDirectory(directory);
        RemoveStaleSocket(path);

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(path));
            File.SetUnixFileMode(path, SocketMode);
            socket.Listen(Backlog);
            return new ControlSocketListener(socket, path);
        }
        catch (Exception e) when (e is SocketException or IOException or UnauthorizedAccessException)
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

    private static void EnsurePrivateDirectory(string directory)
    {
        try
        {
            if (!Directory.Exists(directory))
            {
                Directory.CreateDirectory(directory, DirectoryMode);
            }

            UnixFileMode mode = File.GetUnixFileMode(directory);
            if ((mode & GroupOrOther) != 0)
            {
                throw new ControlSocketException(
                    $"control socket directory {directory} has mode {Convert.ToString((int)mode, 8).PadLeft(4, '0')}; " +
                    "it must be 0700 (only the daemon's user may reach the socket)");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ControlSocketException($"cannot prepare control socket directory {directory}: {e.Message}", e);
        }
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
