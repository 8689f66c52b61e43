using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Overlay.Attest.Handshake;

/// <summary>
/// What an attested-handshake quote carries as qualifyingData (TPM2_Quote extraData), 32 bytes:
/// <code>
/// qualifyingData = SHA-256( "TVD-IKE-ATTEST/v1"            17 bytes, fixed
///                         | u32 len | host id               UTF-8, big-endian length, 1..255 bytes
///                         | SHA-256(SPKI DER of K_e)        32 bytes
///                         | Merkle root of the challenges   32 bytes )
/// </code>
/// The one variable field is length-prefixed and the others have fixed sizes, so no two different inputs share a
/// pre-image. The quote thereby commits to the host, to the ephemeral key that signs the handshakes, and to
/// every verifier challenge in the batch.
/// </summary>
public static class QualifyingData
{
    public static byte[] Compute(string hostId, ReadOnlySpan<byte> ephemeralKeySpki, ReadOnlySpan<byte> merkleRoot)
    {
        if (merkleRoot.Length != HandshakeConstants.HashSize)
        {
            throw new ArgumentException($"a Merkle root is {HandshakeConstants.HashSize} bytes", nameof(merkleRoot));
        }

        var host = Encoding.UTF8.GetBytes(hostId);
        if (host.Length is 0 or > HandshakeConstants.MaxHostIdLength)
        {
            throw new ArgumentException($"a host id is 1..{HandshakeConstants.MaxHostIdLength} bytes of UTF-8", nameof(hostId));
        }

        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.ASCII.GetBytes(HandshakeConstants.QualifyingDataLabel));
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(length, (uint)host.Length);
        sha.AppendData(length);
        sha.AppendData(host);
        Span<byte> keyHash = stackalloc byte[HandshakeConstants.HashSize];
        SHA256.HashData(ephemeralKeySpki, keyHash);
        sha.AppendData(keyHash);
        sha.AppendData(merkleRoot);
        return sha.GetHashAndReset();
    }
}
