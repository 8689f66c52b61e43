using SharpPcap;
using SharpPcap.LibPcap;

namespace Overlay.Cli.Capture;

/// <summary>
/// A pcap file of Ethernet frames written through SharpPcap's <see cref="CaptureFileWriterDevice"/> (libpcap's
/// pcap_dump underneath), with each frame's original length beside the octets kept, so tshark and tcpdump show a
/// frame cut by the snap length as such.
/// </summary>
internal sealed class PcapFile : IDisposable
{
    private readonly CaptureFileWriterDevice _device;

    public PcapFile(string path, int snapLength)
    {
        _device = new CaptureFileWriterDevice(path, FileMode.Create);
        try
        {
            _device.Open(new DeviceConfiguration { LinkLayerType = PacketDotNet.LinkLayers.Ethernet, Snaplen = snapLength });
        }
        catch
        {
            _device.Dispose();
            throw;
        }
    }

    public void Write(DateTimeOffset time, ReadOnlySpan<byte> frame, int originalLength)
    {
        long microseconds = (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
        var header = new PcapHeader((uint)(microseconds / 1_000_000), (uint)(microseconds % 1_000_000), (uint)originalLength, (uint)frame.Length);
        _device.Write(frame, ref header);
    }

    public void Dispose() => _device.Dispose();
}
