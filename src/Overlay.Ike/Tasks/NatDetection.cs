using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using Overlay.Ike.Encoding.Payloads;

namespace Overlay.Ike.Tasks;

/// <summary>
/// NAT_DETECTION_SOURCE_IP / NAT_DETECTION_DESTINATION_IP (RFC 7296 §2.23):
/// SHA-1(SPIi | SPIr | IP address | port), with the SPIs as in the message's IKE header.
/// </summary>
public static class NatDetection
{
    public static byte[] Hash(ulong spiI, ulong spiR, IPEndPoint endpoint)
    {
        var address = endpoint.Address.GetAddressBytes();
        Span<byte> input = stackalloc byte[16 + address.Length + 2];
        BinaryPrimitives.WriteUInt64BigEndian(input, spiI);
        BinaryPrimitives.WriteUInt64BigEndian(input[8..], spiR);
        address.CopyTo(input[16..]);
        BinaryPrimitives.WriteUInt16BigEndian(input[(16 + address.Length)..], (ushort)endpoint.Port);
        return SHA1.HashData(input);
    }

    public static NotifyPayload Source(ulong spiI, ulong spiR, IPEndPoint local)
        => new(NotifyType.NatDetectionSourceIp, Hash(spiI, spiR, local));

    public static NotifyPayload Destination(ulong spiI, ulong spiR, IPEndPoint remote)
        => new(NotifyType.NatDetectionDestinationIp, Hash(spiI, spiR, remote));

    /// <summary>
    /// Evaluates the peer's notifies. The peer is behind a NAT when no SOURCE hash matches the
    /// address we received from; we are when the DESTINATION hash does not match our address.
    /// Returns false when the peer sent no NAT detection at all.
    /// </summary>
    public static bool Evaluate(IEnumerable<NotifyPayload> notifies, ulong spiI, ulong spiR, IPEndPoint local, IPEndPoint remote,
        out bool localBehindNat, out bool remoteBehindNat)
    {
        var sources = notifies.Where(n => n.Type == NotifyType.NatDetectionSourceIp).ToList();
        var destination = notifies.FirstOrDefault(n => n.Type == NotifyType.NatDetectionDestinationIp);
        localBehindNat = remoteBehindNat = false;
        if (sources.Count == 0 || destination is null)
        {
            return false;
        }

        var expectedSource = Hash(spiI, spiR, remote);
        remoteBehindNat = !sources.Any(s => CryptographicOperations.FixedTimeEquals(s.Data, expectedSource));
        localBehindNat = !CryptographicOperations.FixedTimeEquals(destination.Data, Hash(spiI, spiR, local));
        return true;
    }
}
