using System.Security.Cryptography;

namespace Overlay.Ike.Crypto;

/// <summary>
/// A negotiated pseudorandom function (RFC 7296 §2.13, §3.3.2). Only the HMAC-SHA2 family
/// (RFC 4868) is offered; the HMAC itself is System.Security.Cryptography's.
/// </summary>
public sealed class IkePrf
{
    private IkePrf(PrfAlgorithm algorithm, int outputLength)
    {
        Algorithm = algorithm;
        OutputLength = outputLength;
    }

    public static readonly IkePrf HmacSha256 = new(PrfAlgorithm.HmacSha2_256, 32);
    public static readonly IkePrf HmacSha384 = new(PrfAlgorithm.HmacSha2_384, 48);
    public static readonly IkePrf HmacSha512 = new(PrfAlgorithm.HmacSha2_512, 64);

    public PrfAlgorithm Algorithm { get; }

    /// <summary>Output octets; also the length of SK_d, SK_pi and SK_pr (RFC 7296 §2.14).</summary>
    public int OutputLength { get; }

    /// <summary>The PRF for a transform id, or null when we do not implement it.</summary>
    public static IkePrf? For(PrfAlgorithm algorithm) => algorithm switch
    {
        PrfAlgorithm.HmacSha2_256 => HmacSha256,
        PrfAlgorithm.HmacSha2_384 => HmacSha384,
        PrfAlgorithm.HmacSha2_512 => HmacSha512,
        _ => null,
    };

    /// <summary>prf(key, data) into <paramref name="destination"/> (at least <see cref="OutputLength"/> octets).</summary>
    public int Compute(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> destination) => Algorithm switch
    {
        PrfAlgorithm.HmacSha2_256 => HMACSHA256.HashData(key, data, destination),
        PrfAlgorithm.HmacSha2_384 => HMACSHA384.HashData(key, data, destination),
        _ => HMACSHA512.HashData(key, data, destination),
    };

    public byte[] Compute(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data)
    {
        var output = new byte[OutputLength];
        Compute(key, data, output);
        return output;
    }

    public override string ToString() => Algorithm.ToString();
}
