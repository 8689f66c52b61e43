using Overlay.Common.Capture;

namespace Overlay.Cli.Capture;

/// <summary>
/// The last frame record of the capture stream read, its octets copied into a reused buffer: with <c>-q -w</c>
/// tvdctl allocates nothing per frame, so a capture beside a full-rate flow costs the host as little CPU and
/// memory traffic as it can.
/// </summary>
internal sealed class FrameRecord(int snapLength)
{
    public byte[] Data { get; } = new byte[snapLength];

    public int Captured { get; private set; }

    public DateTimeOffset Time { get; private set; }

    public int Length { get; private set; }

    public int Targets { get; private set; }

    public CaptureEndpointRef In { get; private set; }

    public CaptureEndpointRef Out { get; private set; }

    /// <summary>Reads a frame record's body.</summary>
    /// <exception cref="InvalidDataException">A header not as documented, or more octets than the snap length or the frame's length.</exception>
    public void Read(ReadOnlySpan<byte> body)
    {
        if (!CaptureFrameHeader.TryParse(body, out CaptureFrameHeader header))
        {
            throw new InvalidDataException($"a frame record's header is not as documented ({body.Length} octets)");
        }

        ReadOnlySpan<byte> octets = body[CaptureFrameHeader.Length..];
        if (octets.Length > Data.Length || octets.Length > header.OriginalLength)
        {
            throw new InvalidDataException(
                $"a frame record holds {octets.Length} octets of a {header.OriginalLength}-octet frame at a snap length of {Data.Length}");
        }

        octets.CopyTo(Data);
        Captured = octets.Length;
        Time = header.Time;
        Length = header.OriginalLength;
        Targets = header.Targets;
        In = header.Ingress;
        Out = header.Egress;
    }
}
