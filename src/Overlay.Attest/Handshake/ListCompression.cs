using System.Buffers;
using System.IO.Compression;

namespace Overlay.Attest.Handshake;

/// <summary>How a measurement list's bytes travel in a bundle.</summary>
public enum ListCodec : byte
{
    /// <summary>The binary_runtime_measurements bytes as they are (small deltas).</summary>
    None = 0,

    /// <summary>Brotli (RFC 7932) of those bytes.</summary>
    Brotli = 1,
}

/// <summary>
/// Compresses measurement-list bytes and decompresses them under an absolute output limit enforced while
/// streaming: a decompression bomb stops at the limit, and no length field is ever trusted for it.
/// </summary>
public static class ListCompression
{
    // Quality 5 / 22-bit window: most of Brotli's gain on ima-ng lists (paths, template names) at a few ms per MB.
    private const int BrotliQuality = 5, BrotliWindow = 22;
    private const int MinBuffer = 4096;

    public static byte[] Compress(ReadOnlySpan<byte> raw, ListCodec codec)
    {
        if (codec == ListCodec.None)
        {
            return raw.ToArray();
        }

        var output = new byte[BrotliEncoder.GetMaxCompressedLength(raw.Length)];
        if (!BrotliEncoder.TryCompress(raw, output, out var written, BrotliQuality, BrotliWindow))
        {
            throw new InvalidOperationException("Brotli compression failed with a worst-case-sized buffer");
        }

        return output.AsSpan(0, written).ToArray();
    }

    /// <summary>
    /// Decompresses <paramref name="data"/>, failing (never throwing) when the result would exceed
    /// <paramref name="limit"/> bytes, the stream is truncated or corrupt, or bytes follow its end. Allocates at most
    /// about twice the output (the buffer doubles up to the limit), so a bomb costs at most ~2 × <paramref name="limit"/>.
    /// </summary>
    public static bool TryDecompress(ReadOnlySpan<byte> data, ListCodec codec, int limit, out ReadOnlyMemory<byte> raw, out string error)
    {
        raw = ReadOnlyMemory<byte>.Empty;
        switch (codec)
        {
            case ListCodec.None when data.Length > limit:
                error = $"a list of {data.Length} bytes exceeds the remaining {limit}-byte limit";
                return false;
            case ListCodec.None:
                raw = data.ToArray();
                error = string.Empty;
                return true;
            case ListCodec.Brotli:
                return TryBrotli(data, limit, out raw, out error);
            default:
                error = $"unknown list codec {(byte)codec}";
                return false;
        }
    }

    private static bool TryBrotli(ReadOnlySpan<byte> data, int limit, out ReadOnlyMemory<byte> raw, out string error)
    {
        var buffer = new byte[Math.Min(limit, Math.Max(MinBuffer, data.Length * 4))];
        var decoder = new BrotliDecoder();
        try
        {
            return Decode(ref decoder, data, buffer, limit, out raw, out error);
        }
        finally
        {
            decoder.Dispose();
        }
    }

    private static bool Decode(ref BrotliDecoder decoder, ReadOnlySpan<byte> data, byte[] buffer, int limit,
        out ReadOnlyMemory<byte> raw, out string error)
    {
        raw = ReadOnlyMemory<byte>.Empty;
        var total = 0;
        while (true)
        {
            var status = decoder.Decompress(data, buffer.AsSpan(total), out var consumed, out var written);
            data = data[consumed..];
            total += written;
            switch (status)
            {
                case OperationStatus.Done when data.Length > 0:
                    error = $"{data.Length} bytes after the end of the compressed list";
                    return false;
                case OperationStatus.Done:
                    raw = buffer.AsMemory(0, total);
                    error = string.Empty;
                    return true;
                case OperationStatus.DestinationTooSmall when total < buffer.Length && (consumed > 0 || written > 0):
                    break; // Room left: go on.
                case OperationStatus.DestinationTooSmall when buffer.Length >= limit:
                    if (!EndsHere(ref decoder, data))
                    {
                        error = $"the list decompresses to more than the remaining {limit}-byte limit";
                        return false;
                    }

                    raw = buffer.AsMemory(0, total);
                    error = string.Empty;
                    return true;
                case OperationStatus.DestinationTooSmall:
                    Array.Resize(ref buffer, (int)Math.Min(limit, 2L * buffer.Length));
                    break;
                case OperationStatus.NeedMoreData:
                    error = "the compressed list is truncated";
                    return false;
                default:
                    error = "the compressed list is not valid Brotli";
                    return false;
            }
        }
    }

    // The output filled the limit exactly: the stream must end here, with no further byte and no input left.
    private static bool EndsHere(ref BrotliDecoder decoder, ReadOnlySpan<byte> data)
    {
        Span<byte> probe = stackalloc byte[1];
        var status = decoder.Decompress(data, probe, out var consumed, out var written);
        return status == OperationStatus.Done && written == 0 && consumed == data.Length;
    }
}
