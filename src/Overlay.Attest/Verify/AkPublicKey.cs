using System.Security.Cryptography;
using System.Text;
using Overlay.Attest.Structures;

namespace Overlay.Attest.Verify;

/// <summary>
/// An attestation key's public part as a verifier holds it: from TPM2B_PUBLIC (tpm2-tools' default and our
/// ak.pub) or from a PEM/DER SubjectPublicKeyInfo. The key object is imported once and reused, so verifying
/// many quotes from one attester does not re-parse the key.
/// Pins are SHA-256 over the DER SubjectPublicKeyInfo, which is the same whichever form the key came in.
/// </summary>
public sealed class AkPublicKey : IDisposable
{
    private readonly ECDsa? _ecdsa;
    private readonly RSA? _rsa;

    private AkPublicKey(byte[] spki, TpmtPublic? tpmPublic)
    {
        SubjectPublicKeyInfo = spki;
        TpmPublic = tpmPublic;
        Fingerprint = SHA256.HashData(spki);
        var rsa = RSA.Create();
        try
        {
            rsa.ImportSubjectPublicKeyInfo(spki, out _);
            _rsa = rsa;
        }
        catch (CryptographicException)
        {
            rsa.Dispose();
            var ecdsa = ECDsa.Create();
            ecdsa.ImportSubjectPublicKeyInfo(spki, out _);
            _ecdsa = ecdsa;
        }
    }

    public byte[] SubjectPublicKeyInfo { get; }

    /// <summary>The TPM form, when the key came as TPM2B_PUBLIC (gives the attributes and the TPM name).</summary>
    public TpmtPublic? TpmPublic { get; }

    /// <summary>SHA-256 of the DER SubjectPublicKeyInfo: what pins name.</summary>
    public byte[] Fingerprint { get; }

    public bool IsRsa => _rsa is not null;

    public static AkPublicKey FromTpmPublic(TpmtPublic key) => new(key.ExportSubjectPublicKeyInfo(), key);

    /// <summary>Reads TPM2B_PUBLIC, PEM "PUBLIC KEY", or DER SubjectPublicKeyInfo, telling which from the bytes.</summary>
    public static bool TryLoad(ReadOnlySpan<byte> data, out AkPublicKey key, out string error)
    {
        key = null!;
        try
        {
            if (TpmtPublic.TryParse2B(data, out var tpm, out var tpmError))
            {
                key = FromTpmPublic(tpm);
                error = string.Empty;
                return true;
            }

            var text = Encoding.ASCII.GetString(data);
            if (text.Contains("-----BEGIN PUBLIC KEY-----", StringComparison.Ordinal))
            {
                var fields = PemEncoding.Find(text);
                var der = Convert.FromBase64String(text[fields.Base64Data]);
                key = new AkPublicKey(der, null);
                error = string.Empty;
                return true;
            }

            if (data.Length > 0 && data[0] == 0x30)
            {
                key = new AkPublicKey(data.ToArray(), null);
                error = string.Empty;
                return true;
            }

            error = $"not a TPM2B_PUBLIC ({tpmError}), PEM public key, or DER SubjectPublicKeyInfo";
            return false;
        }
        catch (Exception e) when (e is CryptographicException or FormatException or NotSupportedException or ArgumentException)
        {
            error = $"unusable public key: {e.Message}";
            return false;
        }
    }

    public string ExportPem() => PemEncoding.WriteString("PUBLIC KEY", SubjectPublicKeyInfo);

    /// <summary>
    /// Checks a TPMT_SIGNATURE over <paramref name="message"/>; returns null when valid, otherwise why not.
    /// ECDSA P-256, RSASSA-PKCS1-v1_5 and RSASSA-PSS (salt = hash length, what TPMs use) are accepted.
    /// </summary>
    public string? VerifySignature(ReadOnlySpan<byte> message, TpmtSignature signature)
    {
        var hashName = TpmConstants.HashName(signature.HashAlg);
        if (hashName.Name is null)
        {
            return $"signature hash algorithm 0x{signature.HashAlg:x4} is not supported";
        }

        try
        {
            switch (signature.SigAlg)
            {
                case TpmConstants.AlgEcdsa when _ecdsa is not null:
                    var size = (_ecdsa.KeySize + 7) / 8;
                    if (signature.EcdsaR.Length > size || signature.EcdsaS.Length > size)
                    {
                        return "ECDSA r or s longer than the curve";
                    }

                    Span<byte> rs = stackalloc byte[2 * size];
                    rs.Clear();
                    signature.EcdsaR.CopyTo(rs[(size - signature.EcdsaR.Length)..size]);
                    signature.EcdsaS.CopyTo(rs[(2 * size - signature.EcdsaS.Length)..]);
                    return _ecdsa.VerifyData(message, rs, hashName, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)
                        ? null : "ECDSA signature does not verify under the attestation key";
                case TpmConstants.AlgRsaSsa when _rsa is not null:
                    return _rsa.VerifyData(message, signature.RsaSignature, hashName, RSASignaturePadding.Pkcs1)
                        ? null : "RSASSA signature does not verify under the attestation key";
                case TpmConstants.AlgRsaPss when _rsa is not null:
                    return _rsa.VerifyData(message, signature.RsaSignature, hashName, RSASignaturePadding.Pss)
                        ? null : "RSAPSS signature does not verify under the attestation key";
                default:
                    return $"signature algorithm 0x{signature.SigAlg:x4} does not match the {(IsRsa ? "RSA" : "ECC")} attestation key";
            }
        }
        catch (CryptographicException e)
        {
            return $"signature check failed: {e.Message}";
        }
    }

    public void Dispose()
    {
        _ecdsa?.Dispose();
        _rsa?.Dispose();
    }
}
