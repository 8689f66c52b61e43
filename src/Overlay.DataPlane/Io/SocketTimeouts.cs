using Overlay.DataPlane.Interop;

namespace Overlay.DataPlane.Io;

/// <summary>Helpers shared by the socket implementations.</summary>
internal static class SocketTimeouts
{
    public static timeval ToTimeval(TimeSpan timeout)
    {
        long microseconds = Math.Max(1000, (long)timeout.TotalMicroseconds);
        return new timeval { tv_sec = microseconds / 1_000_000, tv_usec = microseconds % 1_000_000 };
    }

    /// <summary>Maps a recvmmsg result: a timeout or a signal is "nothing yet" (0), other errors stay -errno.</summary>
    public static int CompleteReceive(MessageBatch batch, int result)
    {
        if (result > 0)
        {
            batch.CompleteReceive(result);
            return result;
        }

        batch.Count = 0;
        return result is -LinuxSocketConstants.EAGAIN or -LinuxSocketConstants.EINTR ? 0 : result;
    }
}
