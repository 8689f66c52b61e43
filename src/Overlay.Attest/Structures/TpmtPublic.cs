using System.Security.Cryptography;

namespace Overlay.Attest.Structures;

/// <summary>
/// TPMT_PUBLIC (Part 2 §12.2.4) for RSA and ECC keys, read and written in wire form. tpm2_createak <c>-u</c> and
/// our <c>ak.pub</c> hold it wrapped as TPM2B_PUBLIC (u16 size prefix).
/// <code>
/// u16 type | u16 nameAlg | u32 objectAttributes | TPM2B_DIGEST authPolicy
/// | RSA: TPMT_SYM_DEF_OBJECT | TPMT_RSA_SCHEME | u16 keyBits | u32 exponent || TPM2B modulus
/// | ECC: TPMT_SYM_DEF_OBJECT | TPMT_ECC_SCHEME | u16 curveID | TPMT_KDF_SCHEME || TPM2B x | TPM2B y
/// </code>
/// </summary>
public sealed class TpmtPublic
{
    // Scheme selectors (TCG Algorithm Registry) besides those in TpmConstants.
    private const ushort AlgMgf1 = 0x0007;
    private const ushort AlgRsaes = 0x0015;
    private const ushort AlgOaep = 0x0017;
    private const ushort AlgEcdh = 0x0019;
    private const ushort AlgEcdaa = 0x001A;
    private const ushort AlgSm2 = 0x001B;
    private const ushort AlgEcschnorr = 0x001C;
    private const ushort AlgEcmqv = 0x001D;
    private const ushort AlgKdf1Sp800_56a = 0x0020;
    private const ushort AlgKdf2 = 0x0021;
    private const ushort AlgKdf1Sp800_108 = 0x0022;

    public required ushort Type { get; init; }

    public ushort NameAlg { get; init; } = TpmConstants.AlgSha256;

    public uint Attributes { get; init; }

    public byte[] AuthPolicy { get; init; } = [];

    public ushort Scheme { get; init; } = TpmConstants.AlgNull;

    public ushort SchemeHash { get; init; } = TpmConstants.AlgSha256;

    public ushort KeyBits { get; init; }

    public uint Exponent { get; init; }

    public byte[] Modulus { get; init; } = [];

    public ushort CurveId { get; init; }

    public byte[] X { get; init; } = [];

    public byte[] Y { get; init; } = [];

    public bool IsRestrictedSigningKey =>
        (Attributes & (TpmConstants.ObjRestricted | TpmConstants.ObjSign)) == (TpmConstants.ObjRestricted | TpmConstants.ObjSign);

    /// <summary>
    /// The fixed attestation-key template: a restricted signing key, fixedTPM/fixedParent, generated inside the TPM,
    /// usable with an empty password. A primary key made from the same template in the same hierarchy is the same
    /// key after every restart, so nothing has to be persisted.
    /// </summary>
    public static TpmtPublic AttestationKeyTemplate(ushort type) => type switch
    {
        TpmConstants.AlgEcc => new TpmtPublic
        {
            Type = TpmConstants.AlgEcc,
            Attributes = AkAttributes,
            Scheme = TpmConstants.AlgEcdsa,
            CurveId = TpmConstants.EccNistP256,
        },
        TpmConstants.AlgRsa => new TpmtPublic
        {
            Type = TpmConstants.AlgRsa,
            Attributes = AkAttributes,
            Scheme = TpmConstants.AlgRsaSsa,
            KeyBits = 2048,
        },
        _ => throw new ArgumentOutOfRangeException(nameof(type), "attestation keys are RSA or ECC"),
    };

    private const uint AkAttributes = TpmConstants.ObjFixedTpm | TpmConstants.ObjFixedParent |
        TpmConstants.ObjSensitiveDataOrigin | TpmConstants.ObjUserWithAuth | TpmConstants.ObjNoDa |
        TpmConstants.ObjRestricted | TpmConstants.ObjSign;

    /// <summary>Parses TPM2B_PUBLIC (size-prefixed TPMT_PUBLIC), the form tpm2-tools writes by default.</summary>
    public static bool TryParse2B(ReadOnlySpan<byte> data, out TpmtPublic key, out string error)
    {
        key = null!;
        var r = new TpmReader(data);
        if (!r.TryRead2B(out var inner) || r.Remaining != 0)
        {
            error = "TPM2B_PUBLIC: size prefix does not match the data";
            return false;
        }

        return TryParse(inner, out key, out error);
    }

    public static bool TryParse(ReadOnlySpan<byte> data, out TpmtPublic key, out string error)
    {
        key = null!;
        var r = new TpmReader(data);
        if (!r.TryReadU16(out var type) || !r.TryReadU16(out var nameAlg) || !r.TryReadU32(out var attrs) ||
            !r.TryRead2B(out var policy, 64) || !TryReadSymmetric(ref r))
        {
            error = "TPMT_PUBLIC truncated in its header";
            return false;
        }

        if (type == TpmConstants.AlgRsa)
        {
            if (!TryReadScheme(ref r, out var scheme, out var hash) || !r.TryReadU16(out var bits) ||
                !r.TryReadU32(out var exponent) || !r.TryRead2B(out var modulus, 512) || r.Remaining != 0)
            {
                error = "TPMT_PUBLIC: RSA parameters truncated, of an unknown scheme, or followed by extra bytes";
                return false;
            }

            if (modulus.IsEmpty)
            {
                // An RSA key is its modulus; .NET's import throws IndexOutOfRangeException on an empty one (found by fuzzing).
                error = "TPMT_PUBLIC: RSA key with an empty modulus";
                return false;
            }

            key = new TpmtPublic
            {
                Type = type,
                NameAlg = nameAlg,
                Attributes = attrs,
                AuthPolicy = policy.ToArray(),
                Scheme = scheme,
                SchemeHash = hash,
                KeyBits = bits,
                Exponent = exponent,
                Modulus = modulus.ToArray(),
            };
        }
        else if (type == TpmConstants.AlgEcc)
        {
            if (!TryReadScheme(ref r, out var scheme, out var hash) || !r.TryReadU16(out var curve) ||
                !TryReadScheme(ref r, out _, out _) || !r.TryRead2B(out var x, 66) || !r.TryRead2B(out var y, 66) ||
                r.Remaining != 0)
            {
                error = "TPMT_PUBLIC: ECC parameters truncated, of an unknown scheme, or followed by extra bytes";
                return false;
            }

            key = new TpmtPublic
            {
                Type = type,
                NameAlg = nameAlg,
                Attributes = attrs,
                AuthPolicy = policy.ToArray(),
                Scheme = scheme,
                SchemeHash = hash,
                CurveId = curve,
                X = x.ToArray(),
                Y = y.ToArray(),
            };
        }
        else
        {
            error = $"TPMT_PUBLIC: key type 0x{type:x4} is neither RSA nor ECC";
            return false;
        }

        error = string.Empty;
        return true;
    }

    private static bool TryReadSymmetric(ref TpmReader r)
    {
        if (!r.TryReadU16(out var alg))
        {
            return false;
        }

        return alg == TpmConstants.AlgNull || (r.TryReadU16(out _) && r.TryReadU16(out _));
    }

    /// <summary>
    /// Reads a TPMT_*_SCHEME (signing, encryption or KDF): the selector, then its union member. A selector we
    /// do not know is refused, since the size of its member is unknown — reading on would misplace every
    /// later field (tss2-mu refuses it too; found by the tpm2-files differential fuzz test).
    /// </summary>
    private static bool TryReadScheme(ref TpmReader r, out ushort scheme, out ushort hash)
    {
        hash = TpmConstants.AlgNull;
        if (!r.TryReadU16(out scheme))
        {
            return false;
        }

        return scheme switch
        {
            TpmConstants.AlgNull or AlgRsaes => true, // no parameters (TPMS_ENC_SCHEME_RSAES is empty)
            AlgEcdaa => r.TryReadU16(out hash) && r.TryReadU16(out _), // hash, count
            TpmConstants.AlgRsaSsa or TpmConstants.AlgRsaPss or TpmConstants.AlgEcdsa or AlgOaep or AlgEcdh or AlgSm2
                or AlgEcschnorr or AlgEcmqv or AlgMgf1 or AlgKdf1Sp800_56a or AlgKdf2 or AlgKdf1Sp800_108 => r.TryReadU16(out hash),
            _ => false,
        };
    }

    public byte[] ToWire()
    {
        var w = new TpmWriter(400);
        w.WriteU16(Type);
        w.WriteU16(NameAlg);
        w.WriteU32(Attributes);
        w.Write2B(AuthPolicy);
        w.WriteU16(TpmConstants.AlgNull);
        w.WriteU16(Scheme);
        if (Scheme != TpmConstants.AlgNull)
        {
            w.WriteU16(SchemeHash);
        }

        if (Type == TpmConstants.AlgRsa)
        {
            w.WriteU16(KeyBits);
            w.WriteU32(Exponent);
            w.Write2B(Modulus);
        }
        else
        {
            w.WriteU16(CurveId);
            w.WriteU16(TpmConstants.AlgNull);
            w.Write2B(X);
            w.Write2B(Y);
        }

        return w.ToArray();
    }

    /// <summary>TPM2B_PUBLIC: the TPMT_PUBLIC with its u16 size.</summary>
    public byte[] To2B()
    {
        var w = new TpmWriter(400);
        w.Write2B(ToWire());
        return w.ToArray();
    }

    /// <summary>The TPM name of the key: nameAlg || H_nameAlg(TPMT_PUBLIC) (Part 1 §16).</summary>
    public byte[] ComputeName()
    {
        var digest = TpmConstants.Hash(NameAlg, ToWire());
        var name = new byte[2 + digest.Length];
        name[0] = (byte)(NameAlg >> 8);
        name[1] = (byte)NameAlg;
        digest.CopyTo(name, 2);
        return name;
    }

    /// <summary>DER SubjectPublicKeyInfo of the key, the same bytes a PEM "PUBLIC KEY" holds.</summary>
    public byte[] ExportSubjectPublicKeyInfo()
    {
        if (Type == TpmConstants.AlgRsa)
        {
            using var rsa = RSA.Create();
            rsa.ImportParameters(new RSAParameters { Modulus = Modulus, Exponent = ExponentBytes() });
            return rsa.ExportSubjectPublicKeyInfo();
        }

        if (CurveId != TpmConstants.EccNistP256)
        {
            throw new NotSupportedException($"ECC curve 0x{CurveId:x4} is not supported (only NIST P-256)");
        }

        using var ecdsa = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = PadLeft(X, 32), Y = PadLeft(Y, 32) },
        });
        return ecdsa.ExportSubjectPublicKeyInfo();
    }

    private byte[] ExponentBytes()
    {
        var e = Exponent == 0 ? 65537u : Exponent;
        var bytes = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes, e);
        return bytes.AsSpan().TrimStart((byte)0).ToArray();
    }

    private static byte[] PadLeft(byte[] value, int size)
    {
        if (value.Length >= size)
        {
            return value;
        }

        var padded = new byte[size];
        value.CopyTo(padded, size - value.Length);
        return padded;
    }
}
