using System.Net;
using Overlay.DataPlane.Counters;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Sa;

namespace Overlay.DataPlane.Tests;

/// <summary>Builds matching outbound/inbound SA pairs for tests.</summary>
internal static class TestSas
{
    public static readonly IPEndPoint Peer = new(IPAddress.Parse("192.0.2.2"), 4500);

    public static byte[] Key(EspCipher cipher, byte seed = 1)
    {
        var key = new byte[cipher.KeySize() + EspConstants.GcmSaltSize];
        for (int i = 0; i < key.Length; i++)
        {
            key[i] = (byte)(seed + i * 7);
        }

        return key;
    }

    public static SaDescriptor Descriptor(
        SaDirection direction,
        uint spi = 0x1000,
        EspCipher cipher = EspCipher.AesGcm128,
        byte[]? key = null,
        bool esn = true,
        ushort vlanId = 10,
        InnerMode mode = InnerMode.EtherIp,
        SaLifetime lifetime = default,
        int window = EspConstants.MinReplayWindow) =>
        new(Peer, vlanId, "red", direction, spi, cipher, key ?? Key(cipher), mode, lifetime, esn, window);

    public static (EspSa Out, EspSa In) Pair(
        EspCipher cipher = EspCipher.AesGcm128,
        bool esn = true,
        ushort vlanId = 10,
        InnerMode mode = InnerMode.EtherIp,
        SaLifetime lifetime = default,
        TimeProvider? time = null,
        DropCounters? global = null,
        ushort? inboundVlanId = null)
    {
        byte[] key = Key(cipher);
        EspSa outbound = EspSa.Create(Descriptor(SaDirection.Outbound, 0x1000, cipher, key, esn, vlanId, mode, lifetime), time, global);
        EspSa inbound = EspSa.Create(Descriptor(SaDirection.Inbound, 0x1000, cipher, key, esn, inboundVlanId ?? vlanId, mode, lifetime), time, global);
        return (outbound, inbound);
    }

    /// <summary>A deterministic inner payload.</summary>
    public static byte[] Payload(int length, byte seed = 0x40)
    {
        var data = new byte[length];
        for (int i = 0; i < length; i++)
        {
            data[i] = (byte)(seed + i);
        }

        return data;
    }
}
