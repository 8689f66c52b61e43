using Overlay.DataPlane.Frames;

namespace Overlay.DataPlane.Tests.Frames;

internal static class TestFrames
{
    public static readonly MacAddress A = new(0x02_00_00_00_00_0AUL);
    public static readonly MacAddress B = new(0x02_00_00_00_00_0BUL);
    public static readonly MacAddress C = new(0x02_00_00_00_00_0CUL);

    /// <summary>An untagged IPv4 frame from <paramref name="source"/> to <paramref name="destination"/>.</summary>
    public static byte[] Frame(MacAddress destination, MacAddress source, int payloadLength = 46, ushort etherType = EthernetFrame.EtherTypeIPv4)
    {
        var frame = new byte[EthernetFrame.HeaderLength + payloadLength];
        destination.Write(frame);
        source.Write(frame.AsSpan(6));
        frame[12] = (byte)(etherType >> 8);
        frame[13] = (byte)etherType;
        for (int i = 0; i < payloadLength; i++)
        {
            frame[14 + i] = (byte)(i * 3);
        }

        return frame;
    }
}
