using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Overlay.Ike.Encoding.Payloads;

namespace Overlay.Ike.Crypto.Certificates;

/// <summary>
/// AUTH by digital signature over the same octets a PSK AUTH covers (RFC 7296 §2.15). With RFC 7427
/// negotiated (the peer sent SIGNATURE_HASH_ALGORITHMS) the method is 14 and the data is
/// <c>length | AlgorithmIdentifier | signature</c> (ECDSA signatures DER-encoded, §3); otherwise the
/// classic methods: 1 = RSA PKCS#1 v1.5 with SHA-1 (RFC 7296 §3.8), 9/10/11 = ECDSA with
/// SHA-256/384/512 on P-256/384/521 and r|s signatures (RFC 4754 §7).
/// </summary>
public static class SignatureAuthentication
{
    private static readonly SignatureHashAlgorithm[] Preference = [SignatureHashAlgorithm.Sha256, SignatureHashAlgorithm.Sha384, SignatureHashAlgorithm.Sha512];

    /// <summary>The hashes we announce in SIGNATURE_HASH_ALGORITHMS.</summary>
    public static IReadOnlyList<SignatureHashAlgorithm> Supported => Preference;

    public static AuthenticationPayload Sign(CertificateCredential credential, byte[] signedOctets, IReadOnlyCollection<SignatureHashAlgorithm> peerHashes)
    {
        var cert = credential.Certificate;
        if (cert.GetECDsaPrivateKey() is { } ec)
        {
            using (ec)
            {
                var (hash, classic) = ec.KeySize switch
                {
                    384 => (HashAlgorithmName.SHA384, AuthMethod.EcdsaSha384P384),
                    521 => (HashAlgorithmName.SHA512, AuthMethod.EcdsaSha512P521),
                    _ => (HashAlgorithmName.SHA256, AuthMethod.EcdsaSha256P256),
                };
                var scheme = new SignatureScheme(SignatureKind.Ecdsa, hash);
                if (peerHashes.Contains(scheme.HashNumber))
                {
                    return Rfc7427(scheme, ec.SignData(signedOctets, hash, DSASignatureFormat.Rfc3279DerSequence));
                }

                return new AuthenticationPayload(classic, ec.SignData(signedOctets, hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
            }
        }

        using var rsa = cert.GetRSAPrivateKey() ?? throw new ArgumentException("the certificate has no RSA or ECDSA private key", nameof(credential));
        if (Preference.FirstOrDefault(peerHashes.Contains) is var chosen and not 0)
        {
            var hash = chosen switch
            {
                SignatureHashAlgorithm.Sha384 => HashAlgorithmName.SHA384,
                SignatureHashAlgorithm.Sha512 => HashAlgorithmName.SHA512,
                _ => HashAlgorithmName.SHA256,
            };
            var scheme = new SignatureScheme(credential.UseRsaPss ? SignatureKind.RsaPss : SignatureKind.RsaPkcs1, hash);
            return Rfc7427(scheme, rsa.SignData(signedOctets, hash, scheme.RsaPadding));
        }

        return new AuthenticationPayload(AuthMethod.RsaDigitalSignature, rsa.SignData(signedOctets, HashAlgorithmName.SHA1, RSASignaturePadding.Pkcs1));
    }

    private static AuthenticationPayload Rfc7427(SignatureScheme scheme, byte[] signature)
    {
        var algorithm = scheme.Encode();
        return new AuthenticationPayload(AuthMethod.DigitalSignature, [(byte)algorithm.Length, .. algorithm, .. signature]);
    }

    /// <summary>Checks <paramref name="auth"/> with the public key of <paramref name="cert"/>; false with the reason otherwise.</summary>
    public static bool Verify(X509Certificate2 cert, AuthenticationPayload auth, byte[] signedOctets, out string reason)
    {
        try
        {
            return VerifyCore(cert, auth, signedOctets, out reason);
        }
        catch (CryptographicException e)
        {
            reason = $"signature check failed: {e.Message}"; // e.g. a key the platform cannot use
            return false;
        }
    }

    private static bool VerifyCore(X509Certificate2 cert, AuthenticationPayload auth, byte[] signedOctets, out string reason)
    {
        reason = "";
        SignatureScheme? scheme;
        ReadOnlySpan<byte> signature = auth.Data;
        switch (auth.Method)
        {
            case AuthMethod.DigitalSignature:
                var length = auth.Data[0];
                if (auth.Data.Length < 1 + length + 1)
                {
                    reason = "RFC 7427 AUTH data shorter than its AlgorithmIdentifier";
                    return false;
                }

                scheme = SignatureScheme.TryDecode(auth.Data.AsMemory(1, length), out reason);
                signature = signature[(1 + length)..];
                break;
            case AuthMethod.RsaDigitalSignature:
                scheme = new SignatureScheme(SignatureKind.RsaPkcs1, HashAlgorithmName.SHA1);
                break;
            case AuthMethod.EcdsaSha256P256 or AuthMethod.EcdsaSha384P384 or AuthMethod.EcdsaSha512P521:
                return VerifyClassicEcdsa(cert, auth, signedOctets, out reason);
            default:
                reason = $"AUTH method {auth.Method} is not a signature method we accept";
                return false;
        }

        if (scheme is null)
        {
            return false;
        }

        var ok = scheme.Kind == SignatureKind.Ecdsa
            ? VerifyEcdsa(cert, signedOctets, signature, scheme.Hash, DSASignatureFormat.Rfc3279DerSequence, out reason)
            : VerifyRsa(cert, signedOctets, signature, scheme, out reason);
        if (!ok && reason.Length == 0)
        {
            reason = $"{scheme.Kind}/{scheme.Hash.Name} signature does not verify with the key of {cert.Subject}";
        }

        return ok;
    }

    private static bool VerifyClassicEcdsa(X509Certificate2 cert, AuthenticationPayload auth, byte[] signedOctets, out string reason)
    {
        var (hash, keySize) = auth.Method switch
        {
            AuthMethod.EcdsaSha384P384 => (HashAlgorithmName.SHA384, 384),
            AuthMethod.EcdsaSha512P521 => (HashAlgorithmName.SHA512, 521),
            _ => (HashAlgorithmName.SHA256, 256),
        };
        using var ec = cert.GetECDsaPublicKey();
        if (ec?.KeySize != keySize)
        {
            reason = $"AUTH method {auth.Method} does not fit the key of {cert.Subject}";
            return false;
        }

        var ok = VerifyEcdsa(cert, signedOctets, auth.Data, hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation, out reason);
        if (!ok && reason.Length == 0)
        {
            reason = $"{auth.Method} signature does not verify with the key of {cert.Subject}";
        }

        return ok;
    }

    private static bool VerifyEcdsa(X509Certificate2 cert, byte[] data, ReadOnlySpan<byte> signature, HashAlgorithmName hash, DSASignatureFormat format, out string reason)
    {
        reason = "";
        using var ec = cert.GetECDsaPublicKey();
        if (ec is null)
        {
            reason = $"ECDSA signature but {cert.Subject} has no ECDSA key";
            return false;
        }

        return ec.VerifyData(data, signature, hash, format);
    }

    private static bool VerifyRsa(X509Certificate2 cert, byte[] data, ReadOnlySpan<byte> signature, SignatureScheme scheme, out string reason)
    {
        reason = "";
        using var rsa = cert.GetRSAPublicKey();
        if (rsa is null)
        {
            reason = $"RSA signature but {cert.Subject} has no RSA key";
            return false;
        }

        return rsa.VerifyData(data, signature, scheme.Hash, scheme.RsaPadding);
    }
}
