using System.Net;
using BenchmarkDotNet.Attributes;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Frames;
using Overlay.DataPlane.Sa;

namespace Overlay.Benchmarks.DataPlane;

/// <summary>
/// A 1400-byte guest frame through the whole TVD tunnel: tag + EtherIP + seal, then open +
/// EtherIP check + VID check + untag (in place). AES-128-GCM.
/// </summary>
[MemoryDiagnoser]
public class EspTunnelBenchmarks
{
    private EspSa _outbound = null!;
    private EspSa _inbound = null!;
    private byte[] _frame = null!;
    private byte[] _packet = null!;

    [GlobalSetup]
    public void Setup()
    {
        var key = new byte[20];
        new Random(3378).NextBytes(key);
        var peer = new IPEndPoint(IPAddress.Loopback, 4500);
        _outbound = EspSa.Create(new SaDescriptor(peer, 10, "red", SaDirection.Outbound, 0x1000, EspCipher.AesGcm128, key));
        _inbound = EspSa.Create(new SaDescriptor(peer, 10, "red", SaDirection.Inbound, 0x1000, EspCipher.AesGcm128, key));
        _frame = new byte[1400];
        new MacAddress(0x0200_0000_000b).Write(_frame);
        new MacAddress(0x0200_0000_000a).Write(_frame.AsSpan(6));
        _packet = new byte[EtherIpTunnel.GetPacketLength(_frame.Length)];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _outbound.Dispose();
        _inbound.Dispose();
    }

    [Benchmark]
    public int EncapsulateDecapsulate()
    {
        EtherIpTunnel.Encapsulate(_outbound, _frame, _packet, out int written);
        EtherIpTunnel.Decapsulate(_inbound, _packet.AsSpan(0, written), out Span<byte> frame);
        return frame.Length;
    }
}
