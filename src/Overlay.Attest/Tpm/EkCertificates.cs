using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Overlay.Attest.Tpm;

/// <summary>
/// Endorsement-key certificates the manufacturer (or swtpm_setup --create-ek-cert) stored in NV
/// (TCG EK Credential Profile §2.2.1.4: 0x01c00002 RSA-2048, 0x01c0000a ECC NIST P-256 (low range), and the
/// high-range 0x01c00016 ECC NIST P-384 where swtpm_setup --create-ek-cert puts its ECC EK certificate).
/// </summary>
public static class EkCertificates
{
    public const uint RsaIndex = 0x01c00002;
    public const uint EccIndex = 0x01c0000a;
    public const uint EccP384Index = 0x01c00016;

    /// <summary>The certificates present, by NV index. A TPM without any returns an empty list.</summary>
    public static IReadOnlyList<(uint Index, X509Certificate2 Certificate)> Read(TpmDevice device)
    {
        var found = new List<(uint, X509Certificate2)>();
        foreach (var index in new[] { RsaIndex, EccIndex, EccP384Index })
        {
            if (device.ReadNv(index) is not { } der)
            {
                continue;
            }

            try
            {
                // NV areas are often padded past the DER; the loader reads just the first certificate.
                found.Add((index, X509CertificateLoader.LoadCertificate(TrimDer(der))));
            }
            catch (CryptographicException)
            {
                // An index holding something other than a certificate is not an EK certificate; skip it.
            }
        }

        return found;
    }

    private static byte[] TrimDer(byte[] data)
    {
        // NV areas are sized generously; keep exactly the one DER value at the start.
        try
        {
            AsnDecoder.ReadEncodedValue(data, AsnEncodingRules.DER, out _, out _, out var consumed);
            return data.AsSpan(0, consumed).ToArray();
        }
        catch (AsnContentException)
        {
            return data;
        }
    }
}
