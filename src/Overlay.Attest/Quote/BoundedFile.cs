namespace Overlay.Attest.Quote;

/// <summary>
/// Reads a whole file that the caller expects to be small, refusing it once it exceeds a limit. Unlike
/// <see cref="File.ReadAllBytes(string)"/> it never sizes memory by the file: a huge file is refused from
/// its length, and a file whose length the kernel does not report (a pipe, /dev/zero, a /proc file) is
/// read in doubling steps and refused after <c>limit + 1</c> octets. Allocation stays below about
/// 3 × min(file, limit) + 4 KiB whatever the file is (the doubling steps sum to twice the last one).
/// </summary>
public static class BoundedFile
{
    private const int FirstChunk = 4096;

    /// <summary>The file's octets, or false with <paramref name="error"/> (too large, or the I/O error's message).</summary>
    public static bool TryReadAllBytes(string path, int limit, out byte[] data, out string error)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        data = [];
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1);
            var known = stream.CanSeek ? stream.Length : 0;
            if (known > limit)
            {
                error = $"{path}: {known} bytes, more than the {limit} this file may hold";
                return false;
            }

            var buffer = new byte[Math.Max(1, known > 0 ? known + 1 : Math.Min(FirstChunk, limit + 1))];
            var total = 0;
            while (true)
            {
                var read = stream.Read(buffer, total, buffer.Length - total);
                if (read == 0)
                {
                    break;
                }

                total += read;
                if (total > limit)
                {
                    error = $"{path}: more than the {limit} bytes this file may hold";
                    return false;
                }

                if (total == buffer.Length)
                {
                    Array.Resize(ref buffer, (int)Math.Min(limit + 1L, 2L * buffer.Length));
                }
            }

            data = total == buffer.Length ? buffer : buffer.AsSpan(0, total).ToArray();
            error = string.Empty;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = e.Message;
            return false;
        }
    }
}
