using System.Text;
using Microsoft.Extensions.Logging;
using Overlay.Hypervisor.Guests;

namespace Overlay.Daemon.GuestHost;

/// <summary>
/// The guest audit trail on disk: one line per <see cref="GuestAuditEvent"/> (time, kind, guest, the policy's
/// reason), appended and flushed at once, mode 0600. An operator (or the lab) greps it for what the daemon
/// decided and what it destroyed; the same events also go to the log.
/// </summary>
public sealed class GuestAuditLog
{
    private readonly Lock _gate = new();
    private readonly ILogger _logger;

    public GuestAuditLog(string path, ILogger logger)
    {
        Path = path;
        _logger = logger;
    }

    public string Path { get; }

    public void Append(GuestAuditEvent e) => Append(e.ToString());

    public void Append(string line)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.Append,
            Access = FileAccess.Write,
            Share = FileShare.ReadWrite,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        };
        lock (_gate)
        {
            try
            {
                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path) ?? "/");
                using var stream = new FileStream(Path, options);
                byte[] bytes = Encoding.UTF8.GetBytes(line.ReplaceLineEndings(" ") + "\n");
                stream.Write(bytes);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                GuestLog.AuditWriteFailed(_logger, Path, ex.Message);
            }
        }
    }
}
