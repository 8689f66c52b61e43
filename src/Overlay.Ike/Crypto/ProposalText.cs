using System.Diagnostics.CodeAnalysis;
using Overlay.Ike.Sa;

namespace Overlay.Ike.Crypto;

/// <summary>
/// Proposals written the way strongSwan's swanctl.conf writes <c>proposals</c> and <c>esp_proposals</c>, so one
/// string can be copied between a strongSwan peer's config and ours: a proposal is algorithm keywords joined by
/// '-', a list is proposals joined by ',' in order of preference (<c>"aes256gcm16-prfsha384-x25519,
/// aes128-sha256-prfsha256-modp2048"</c>). Only what this implementation negotiates is understood:
/// <list type="table">
/// <item><term>IKE encryption</term><description><c>aes128gcm16</c>, <c>aes256gcm16</c> (AES-GCM with a 16-octet
/// ICV, RFC 5282; no integrity keyword) or <c>aes128</c>, <c>aes256</c> (AES-CBC, RFC 3602) with exactly one
/// integrity keyword <c>sha256</c>, <c>sha384</c>, <c>sha512</c> (HMAC-SHA2, RFC 4868).</description></item>
/// <item><term>IKE PRF</term><description><c>prfsha256</c>, <c>prfsha384</c>, <c>prfsha512</c>; when left out,
/// the integrity algorithm's hash (SHA-256 with AES-GCM), as strongSwan derives it.</description></item>
/// <item><term>group</term><description><c>x25519</c> (alias <c>curve25519</c>, RFC 8031), <c>ecp256</c>,
/// <c>ecp384</c> (RFC 5903), <c>modp2048</c> (RFC 3526); one is required for IKE, optional for ESP, where it
/// asks for perfect forward secrecy on CREATE_CHILD_SA (RFC 7296 §1.3.1).</description></item>
/// <item><term>ESP</term><description><c>aes128gcm16</c> or <c>aes256gcm16</c> first (RFC 4106), then
/// optionally <c>esn</c> or <c>noesn</c> (no ESN when left out, as in swanctl) and a group.</description></item>
/// </list>
/// Anything else (another cipher, a group we do not implement such as <c>modp1024</c>) makes the proposal
/// unreadable rather than silently weaker.
/// </summary>
public static class ProposalText
{
    private delegate bool ProposalParser<T>(string text, [NotNullWhen(true)] out T? value)
        where T : class;

    /// <summary>One IKE proposal, e.g. <c>"aes256gcm16-prfsha384-x25519"</c> or <c>"aes128-sha256-modp2048"</c>.</summary>
    public static bool TryParseIke(string text, [NotNullWhen(true)] out IkeCipherSuite? suite)
    {
        suite = null;
        var encryption = EncryptionAlgorithm.AesGcm16;
        var integrity = IntegrityAlgorithm.None;
        var bits = 0;
        IkePrf? prf = null;
        var group = KeyExchangeMethod.None;
        foreach (var token in text.Split('-'))
        {
            if (Encryption(token) is { } cipher)
            {
                (encryption, bits) = cipher;
            }
            else if (Integrity(token) is { } mac)
            {
                integrity = mac;
            }
            else if (Prf(token) is { } named)
            {
                prf = named;
            }
            else if (Group(token) is { } g)
            {
                group = g;
            }
            else
            {
                return false;
            }
        }

        var aead = encryption == EncryptionAlgorithm.AesGcm16;
        if (bits == 0 || group == KeyExchangeMethod.None || (aead ? integrity != IntegrityAlgorithm.None : integrity == IntegrityAlgorithm.None))
        {
            return false;
        }

        prf ??= integrity switch
        {
            IntegrityAlgorithm.HmacSha2_384_192 => IkePrf.HmacSha384,
            IntegrityAlgorithm.HmacSha2_512_256 => IkePrf.HmacSha512,
            _ => IkePrf.HmacSha256,
        };
        suite = new IkeCipherSuite(encryption, bits, prf, integrity, group);
        return true;
    }

    /// <summary>One ESP proposal, e.g. <c>"aes256gcm16"</c>, <c>"aes128gcm16-esn"</c>, <c>"aes256gcm16-x25519-noesn"</c>.</summary>
    public static bool TryParseEsp(string text, [NotNullWhen(true)] out EspSuite? suite)
    {
        suite = null;
        var tokens = text.Split('-');
        if (Encryption(tokens[0]) is not (EncryptionAlgorithm.AesGcm16, var bits))
        {
            return false;
        }

        var esn = false;
        var group = KeyExchangeMethod.None;
        foreach (var token in tokens.Skip(1))
        {
            if (token is "esn" or "noesn")
            {
                esn = token == "esn";
            }
            else if (Group(token) is { } g)
            {
                group = g;
            }
            else
            {
                return false;
            }
        }

        suite = new EspSuite(bits, esn, group);
        return true;
    }

    /// <summary>
    /// A comma-separated list of IKE proposals, in the order written (empty for empty text); false with the first
    /// proposal that is not understood.
    /// </summary>
    public static bool TryParseIkeList(string text, out IReadOnlyList<IkeCipherSuite> suites, [NotNullWhen(false)] out string? rejected) =>
        TryParseList<IkeCipherSuite>(text, TryParseIke, out suites, out rejected);

    /// <summary>A comma-separated list of ESP proposals; false with the first proposal that is not understood.</summary>
    public static bool TryParseEspList(string text, out IReadOnlyList<EspSuite> suites, [NotNullWhen(false)] out string? rejected) =>
        TryParseList<EspSuite>(text, TryParseEsp, out suites, out rejected);

    private static bool TryParseList<T>(string text, ProposalParser<T> parse, out IReadOnlyList<T> list, [NotNullWhen(false)] out string? rejected)
        where T : class
    {
        var parsed = new List<T>();
        list = parsed;
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!parse(part, out var item))
            {
                rejected = part;
                return false;
            }

            parsed.Add(item);
        }

        rejected = null;
        return true;
    }

    /// <summary>
    /// An IKE suite in the same keywords (<c>"aes256gcm16-prfsha384-x25519"</c>), so status shows what a config
    /// would say; <see cref="TryParseIke"/> reads it back. Algorithms without a keyword show as their number.
    /// </summary>
    public static string Format(IkeCipherSuite suite)
    {
        var parts = new List<string>(4)
        {
            suite.Encryption switch
            {
                EncryptionAlgorithm.AesGcm16 => $"aes{suite.EncryptionKeyBits}gcm16",
                EncryptionAlgorithm.AesCbc => $"aes{suite.EncryptionKeyBits}",
                var other => $"encr{(int)other}-{suite.EncryptionKeyBits}",
            },
        };
        if (!suite.IsAead)
        {
            parts.Add(suite.Integrity switch
            {
                IntegrityAlgorithm.HmacSha2_256_128 => "sha256",
                IntegrityAlgorithm.HmacSha2_384_192 => "sha384",
                IntegrityAlgorithm.HmacSha2_512_256 => "sha512",
                var other => $"integ{(int)other}",
            });
        }

        parts.Add(suite.Prf.Algorithm switch
        {
            PrfAlgorithm.HmacSha2_256 => "prfsha256",
            PrfAlgorithm.HmacSha2_384 => "prfsha384",
            PrfAlgorithm.HmacSha2_512 => "prfsha512",
            var other => $"prf{(int)other}",
        });
        parts.Add(suite.KeyExchange switch
        {
            KeyExchangeMethod.Curve25519 => "x25519",
            KeyExchangeMethod.Ecp256 => "ecp256",
            KeyExchangeMethod.Ecp384 => "ecp384",
            KeyExchangeMethod.Modp2048 => "modp2048",
            var other => $"ke{(int)other}",
        });
        return string.Join('-', parts);
    }

    private static (EncryptionAlgorithm Algorithm, int Bits)? Encryption(string token) => token switch
    {
        "aes128gcm16" => (EncryptionAlgorithm.AesGcm16, 128),
        "aes256gcm16" => (EncryptionAlgorithm.AesGcm16, 256),
        "aes128" => (EncryptionAlgorithm.AesCbc, 128),
        "aes256" => (EncryptionAlgorithm.AesCbc, 256),
        _ => null,
    };

    private static IntegrityAlgorithm? Integrity(string token) => token switch
    {
        "sha256" => IntegrityAlgorithm.HmacSha2_256_128,
        "sha384" => IntegrityAlgorithm.HmacSha2_384_192,
        "sha512" => IntegrityAlgorithm.HmacSha2_512_256,
        _ => null,
    };

    private static IkePrf? Prf(string token) => token switch
    {
        "prfsha256" => IkePrf.HmacSha256,
        "prfsha384" => IkePrf.HmacSha384,
        "prfsha512" => IkePrf.HmacSha512,
        _ => null,
    };

    private static KeyExchangeMethod? Group(string token) => token switch
    {
        "x25519" or "curve25519" => KeyExchangeMethod.Curve25519,
        "ecp256" => KeyExchangeMethod.Ecp256,
        "ecp384" => KeyExchangeMethod.Ecp384,
        "modp2048" => KeyExchangeMethod.Modp2048,
        _ => null,
    };
}
