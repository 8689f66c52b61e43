using System.Formats.Asn1;
using System.Security.Cryptography;

namespace Overlay.Ike.Crypto.Certificates;

/// <summary>The key type and padding of a signature.</summary>
public enum SignatureKind
{
    RsaPkcs1,
    RsaPss,
    Ecdsa,
}

/// <summary>
/// A signature algorithm as RFC 7427 §3 names it in the AUTH payload: an ASN.1 AlgorithmIdentifier
/// (RFC 7427 Appendix A). RSASSA-PSS carries its parameters (RFC 4055 §3.1); we use and accept
/// MGF1 with the message hash and a salt as long as the hash, which is what strongSwan sends.
/// </summary>
public sealed record SignatureScheme(SignatureKind Kind, HashAlgorithmName Hash)
{
    private const string RsaPkcs1Sha1 = "1.2.840.113549.1.1.5";
    private const string RsaPkcs1Sha256 = "1.2.840.113549.1.1.11";
    private const string RsaPkcs1Sha384 = "1.2.840.113549.1.1.12";
    private const string RsaPkcs1Sha512 = "1.2.840.113549.1.1.13";
    private const string RsaPss = "1.2.840.113549.1.1.10";
    private const string Mgf1 = "1.2.840.113549.1.1.8";
    private const string EcdsaSha256 = "1.2.840.10045.4.3.2";
    private const string EcdsaSha384 = "1.2.840.10045.4.3.3";
    private const string EcdsaSha512 = "1.2.840.10045.4.3.4";
    private const string Sha1 = "1.3.14.3.2.26";
    private const string Sha256 = "2.16.840.1.101.3.4.2.1";
    private const string Sha384 = "2.16.840.1.101.3.4.2.2";
    private const string Sha512 = "2.16.840.1.101.3.4.2.3";

    public RSASignaturePadding RsaPadding => Kind == SignatureKind.RsaPss ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1;

    /// <summary>The DER AlgorithmIdentifier for the AUTH payload.</summary>
    public byte[] Encode()
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            switch (Kind)
            {
                case SignatureKind.Ecdsa:
                    w.WriteObjectIdentifier(Pick(EcdsaSha256, EcdsaSha384, EcdsaSha512));
                    break;
                case SignatureKind.RsaPkcs1:
                    w.WriteObjectIdentifier(Hash == HashAlgorithmName.SHA1 ? RsaPkcs1Sha1 : Pick(RsaPkcs1Sha256, RsaPkcs1Sha384, RsaPkcs1Sha512));
                    w.WriteNull();
                    break;
                default:
                    w.WriteObjectIdentifier(RsaPss);
                    WritePssParameters(w);
                    break;
            }
        }

        return w.Encode();
    }

    private void WritePssParameters(AsnWriter w)
    {
        using (w.PushSequence())
        {
            using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0)))
            {
                WriteHashIdentifier(w);
            }

            using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 1)))
            {
                using (w.PushSequence())
                {
                    w.WriteObjectIdentifier(Mgf1);
                    WriteHashIdentifier(w);
                }
            }

            using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 2)))
            {
                w.WriteInteger(HashLength(Hash));
            }
        }
    }

    private void WriteHashIdentifier(AsnWriter w)
    {
        using (w.PushSequence())
        {
            w.WriteObjectIdentifier(Pick(Sha256, Sha384, Sha512));
            w.WriteNull();
        }
    }

    private string Pick(string sha256, string sha384, string sha512)
        => Hash == HashAlgorithmName.SHA384 ? sha384 : Hash == HashAlgorithmName.SHA512 ? sha512 : sha256;

    /// <summary>Reads an AlgorithmIdentifier; null with <paramref name="reason"/> for anything we do not verify.</summary>
    public static SignatureScheme? TryDecode(ReadOnlyMemory<byte> der, out string reason)
    {
        reason = "";
        try
        {
            var seq = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
            var oid = seq.ReadObjectIdentifier();
            SignatureScheme? scheme = oid switch
            {
                RsaPkcs1Sha1 => new(SignatureKind.RsaPkcs1, HashAlgorithmName.SHA1),
                RsaPkcs1Sha256 => new(SignatureKind.RsaPkcs1, HashAlgorithmName.SHA256),
                RsaPkcs1Sha384 => new(SignatureKind.RsaPkcs1, HashAlgorithmName.SHA384),
                RsaPkcs1Sha512 => new(SignatureKind.RsaPkcs1, HashAlgorithmName.SHA512),
                EcdsaSha256 => new(SignatureKind.Ecdsa, HashAlgorithmName.SHA256),
                EcdsaSha384 => new(SignatureKind.Ecdsa, HashAlgorithmName.SHA384),
                EcdsaSha512 => new(SignatureKind.Ecdsa, HashAlgorithmName.SHA512),
                RsaPss => DecodePss(seq, out reason),
                _ => null,
            };
            if (scheme is null && reason.Length == 0)
            {
                reason = $"signature algorithm {oid} not supported";
            }

            return scheme;
        }
        catch (AsnContentException e)
        {
            reason = $"malformed signature AlgorithmIdentifier: {e.Message}";
            return null;
        }
    }

    private static SignatureScheme? DecodePss(AsnReader algorithm, out string reason)
    {
        var p = algorithm.ReadSequence();
        var hash = p.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0)).ReadSequence().ReadObjectIdentifier();
        var mgf = p.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 1)).ReadSequence();
        var mgfOid = mgf.ReadObjectIdentifier();
        var mgfHash = mgf.ReadSequence().ReadObjectIdentifier();
        var salt = p.HasData ? (int)p.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 2)).ReadInteger() : 20;
        HashAlgorithmName? name = hash switch
        {
            Sha256 => HashAlgorithmName.SHA256,
            Sha384 => HashAlgorithmName.SHA384,
            Sha512 => HashAlgorithmName.SHA512,
            _ => null,
        };
        if (name is not { } h || mgfOid != Mgf1 || mgfHash != hash || salt != HashLength(h))
        {
            reason = $"RSASSA-PSS parameters (hash {hash}, MGF {mgfOid}/{mgfHash}, salt {salt}) not supported";
            return null;
        }

        reason = "";
        return new SignatureScheme(SignatureKind.RsaPss, h);
    }

    private static int HashLength(HashAlgorithmName hash)
        => hash == HashAlgorithmName.SHA512 ? 64 : hash == HashAlgorithmName.SHA384 ? 48 : hash == HashAlgorithmName.SHA1 ? 20 : 32;

    /// <summary>The RFC 7427 §4 number of this scheme's hash.</summary>
    public SignatureHashAlgorithm HashNumber
        => Hash == HashAlgorithmName.SHA512 ? SignatureHashAlgorithm.Sha512
            : Hash == HashAlgorithmName.SHA384 ? SignatureHashAlgorithm.Sha384
            : Hash == HashAlgorithmName.SHA1 ? SignatureHashAlgorithm.Sha1 : SignatureHashAlgorithm.Sha256;
}
