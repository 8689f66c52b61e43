using System.Buffers;
using Microsoft.AspNetCore.Http;
using Overlay.Demo.BoincServer.Protocol;

namespace Overlay.Demo.BoincServer.Http;

/// <summary>Reads a request body of at most a given size; a larger one is refused before or while reading it.</summary>
internal static class BoundedBody
{
    public static async Task<ReadOnlyMemory<byte>> ReadAsync(HttpRequest request, int limit, CancellationToken cancel)
    {
        if (request.ContentLength is { } declared && declared > limit)
        {
            throw new ProtocolException(RejectReason.TooLarge, $"a body of {declared} bytes; at most {limit} accepted here");
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Min(limit + 1, 64 * 1024));
        try
        {
            int length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, limit + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                int read = await request.Body.ReadAsync(buffer.AsMemory(length, Math.Min(buffer.Length, limit + 1) - length), cancel);
                if (read == 0)
                {
                    return buffer.AsSpan(0, length).ToArray();
                }

                length += read;
                if (length > limit)
                {
                    throw new ProtocolException(RejectReason.TooLarge, $"a body over {limit} bytes; at most {limit} accepted here");
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
