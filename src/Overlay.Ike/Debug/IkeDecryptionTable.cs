using System.Globalization;
using Overlay.Ike.Crypto;
using Overlay.Ike.Sa;

namespace Overlay.Ike.Debug;

/// <summary>
/// One line of Wireshark's <c>ikev2_decryption_table</c> UAT for an IKE SA, so that a capture of its
/// exchanges can be decrypted (IDi, AUTH, SA, TSi/TSr with the RFC 9478 label):
/// <code>ispi,rspi,SK_ei,SK_er,"encryption",SK_ai,SK_ar,"integrity"</code>
/// The hex fields are unquoted (quoted, Wireshark answers "Length of Initiator's SPI must be 8
/// octets"); the algorithm names are Wireshark's own. SK_e* include the 4-octet salt for AES-GCM
/// (RFC 5282 §7.1), which is what Wireshark expects. A debugging aid: the line holds live keys.
/// </summary>
public static class IkeDecryptionTable
{
    /// <summary>The line for <paramref name="sa"/>, or null while it has no keys.</summary>
    public static string? Line(IkeSa sa)
    {
        ArgumentNullException.ThrowIfNull(sa);
        if (sa.Keys is not { } keys || sa.Suite is not { } suite || sa.ResponderSpi == 0)
        {
            return null;
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"{sa.InitiatorSpi:x16},{sa.ResponderSpi:x16},{Hex(keys.SkEi)},{Hex(keys.SkEr)},\"{EncryptionName(suite)}\",{Hex(keys.SkAi)},{Hex(keys.SkAr)},\"{IntegrityName(suite)}\"");
    }

    /// <summary>Wireshark's name of the suite's encryption (packet-isakmp.c, ikev2_encr_algs).</summary>
    public static string EncryptionName(IkeCipherSuite suite) => suite.IsAead
        ? $"AES-GCM-{suite.EncryptionKeyBits} with 16 octet ICV [RFC5282]"
        : $"AES-CBC-{suite.EncryptionKeyBits} [RFC3602]";

    /// <summary>Wireshark's name of the suite's integrity (none for AEAD).</summary>
    public static string IntegrityName(IkeCipherSuite suite) => suite.Integrity switch
    {
        IntegrityAlgorithm.HmacSha2_256_128 => "HMAC_SHA2_256_128 [RFC4868]",
        IntegrityAlgorithm.HmacSha2_384_192 => "HMAC_SHA2_384_192 [RFC4868]",
        IntegrityAlgorithm.HmacSha2_512_256 => "HMAC_SHA2_512_256 [RFC4868]",
        _ => "NONE [RFC4306]",
    };

    private static string Hex(byte[] key) => Convert.ToHexStringLower(key);
}
