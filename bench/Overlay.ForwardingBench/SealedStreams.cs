using System.Net;
using Overlay.DataPlane.Counters;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Frames;
using Overlay.DataPlane.Io;
using Overlay.DataPlane.Sa;

namespace Overlay.ForwardingBench;

/// <summary>
/// The peers' side, sealed once before any measurement: for X and Y, <see cref="BenchOptions.PacketsPerSa"/>
/// ESP datagrams (EtherIP, VID 101, AES-GCM) of one guest frame each, sequence numbers 1..N, and the key
/// material of all four SAs (keys derive from the SPI).
/// </summary>
internal sealed class SealedStreams : IDisposable
{
    internal static readonly MacAddress G1 = new(0x02_00_00_00_01_01UL);
    internal static readonly MacAddress G2 = new(0x02_00_00_00_01_02UL);
    internal static readonly MacAddress Mx = new(0x02_00_00_00_02_01UL);
    internal static readonly MacAddress My = new(0x02_00_00_00_02_02UL);
    private const uint OutboundSpiX = 0x1001;
    private const uint OutboundSpiY = 0x1002;
    private const uint InboundSpiX = 0x2001;
    private const uint InboundSpiY = 0x2002;

    private readonly EspCipher _cipher;
    private readonly BenchOptions _options;

    private SealedStreams(BenchOptions options)
    {
        _options = options;
        _cipher = options.KeyBits == 256 ? EspCipher.AesGcm256 : EspCipher.AesGcm128;
        PacketsPerSa = options.PacketsPerSa;
        FromX = Seal(PeerAddress(BenchHost.PeerX), InboundSpiX, Frame(G1, Mx, options.FrameLength), options.PacketsPerSa);
        FromY = Seal(PeerAddress(BenchHost.PeerY), InboundSpiY, Frame(G2, My, options.FrameLength), options.PacketsPerSa);
        Learning =
        [
            Seal(PeerAddress(BenchHost.PeerX), InboundSpiX, Frame(G1, Mx, options.FrameLength), 1),
            Seal(PeerAddress(BenchHost.PeerY), InboundSpiY, Frame(G2, My, options.FrameLength), 1),
        ];
    }

    public int PacketsPerSa { get; }

    public SealedStream FromX { get; }

    public SealedStream FromY { get; }

    /// <summary>One datagram from each peer, for the switch to learn mx and my.</summary>
    public SealedStream[] Learning { get; }

    public static SealedStreams Create(BenchOptions options) => new(options);

    public SaDescriptor Outbound(IPEndPoint peer) =>
        Descriptor(peer, SaDirection.Outbound, peer.Equals(BenchHost.PeerX) ? OutboundSpiX : OutboundSpiY);

    public SaDescriptor Inbound(IPEndPoint peer) =>
        Descriptor(peer, SaDirection.Inbound, peer.Equals(BenchHost.PeerX) ? InboundSpiX : InboundSpiY);

    /// <summary>An Ethernet frame dst ← src carrying IPv4/UDP bytes (the switch reads only the Ethernet header).</summary>
    public static byte[] Frame(MacAddress destination, MacAddress source, int length)
    {
        var frame = new byte[length];
        destination.Write(frame);
        source.Write(frame.AsSpan(6));
        frame[12] = 0x08;
        frame[13] = 0x00;
        frame[14] = 0x45;
        for (int i = 15; i < length; i++)
        {
            frame[i] = (byte)i;
        }

        return frame;
    }

    public void Dispose()
    {
    }

    private static UdpAddress PeerAddress(IPEndPoint peer) => UdpAddress.From(peer);

    private SaDescriptor Descriptor(IPEndPoint peer, SaDirection direction, uint spi)
    {
        var key = new byte[_cipher.KeySize() + EspConstants.GcmSaltSize];
        for (int i = 0; i < key.Length; i++)
        {
            key[i] = (byte)((spi * 131) + (i * 7)); // a bench key, fixed per SPI so both ends agree
        }

        (ushort vlan, string tvd) = BenchHost.TvdOf(spi is InboundSpiY or OutboundSpiY ? BenchHost.PeerY : BenchHost.PeerX, _options);
        return new SaDescriptor(peer, vlan, tvd, direction, spi, _cipher, key);
    }

    /// <summary>What the peer's outbound SA of <paramref name="spi"/> sends: <paramref name="count"/> datagrams, numbers 1..count.</summary>
    private SealedStream Seal(UdpAddress from, uint spi, byte[] frame, int count)
    {
        using EspSa sealer = EspSa.Create(Descriptor(new IPEndPoint(BenchHost.Self, 4500), SaDirection.Outbound, spi));
        int length = EtherIpTunnel.GetPacketLength(frame.Length);
        var data = new byte[(long)length * count];
        for (int i = 0; i < count; i++)
        {
            DropReason result = EtherIpTunnel.Encapsulate(sealer, frame, data.AsSpan(i * length, length), out int written);
            if (result != DropReason.None || written != length)
            {
                throw new InvalidOperationException($"sealing datagram {i} of SA 0x{spi:x}: {result}");
            }
        }

        return new SealedStream(from, data, length, count);
    }
}
