using System.Security.Cryptography;

namespace Overlay.Ike.Crypto;

/// <summary>
/// Where IVs, nonces and SPIs come from (convention 8: randomness is injected so exchange tests
/// can be deterministic). Production uses <see cref="SystemIkeRandom"/>.
/// </summary>
public interface IIkeRandom
{
    void Fill(Span<byte> destination);
}

/// <summary>The operating system's CSPRNG.</summary>
public sealed class SystemIkeRandom : IIkeRandom
{
    public static readonly SystemIkeRandom Instance = new();

    public void Fill(Span<byte> destination) => RandomNumberGenerator.Fill(destination);
}
