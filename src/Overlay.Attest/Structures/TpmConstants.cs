namespace Overlay.Attest.Structures;

/// <summary>
/// TPM 2.0 spec constants used by this module (TCG TPM 2.0 Library, Part 2: Structures).
/// Only the values this code reads or writes are listed; each cites its table.
/// </summary>
public static class TpmConstants
{
    /// <summary>TPM_GENERATED_VALUE, "\xffTCG" (Part 2 §6.2): marks data the TPM itself produced.</summary>
    public const uint GeneratedValue = 0xff544347;

    /// <summary>TPM_ST_ATTEST_QUOTE (Part 2 §6.9).</summary>
    public const ushort StAttestQuote = 0x8018;

    // TPM_ALG_ID values (Part 2 §6.3, TCG Algorithm Registry).
    public const ushort AlgRsa = 0x0001;
    public const ushort AlgSha1 = 0x0004;
    public const ushort AlgSha256 = 0x000B;
    public const ushort AlgSha384 = 0x000C;
    public const ushort AlgSha512 = 0x000D;
    public const ushort AlgNull = 0x0010;
    public const ushort AlgRsaSsa = 0x0014;
    public const ushort AlgRsaPss = 0x0016;
    public const ushort AlgEcdsa = 0x0018;
    public const ushort AlgEcc = 0x0023;

    /// <summary>TPM_ECC_NIST_P256 (Part 2 §6.4).</summary>
    public const ushort EccNistP256 = 0x0003;

    // TPMA_OBJECT bits (Part 2 §8.3).
    public const uint ObjFixedTpm = 0x00000002;
    public const uint ObjFixedParent = 0x00000010;
    public const uint ObjSensitiveDataOrigin = 0x00000020;
    public const uint ObjUserWithAuth = 0x00000040;
    public const uint ObjNoDa = 0x00000400;
    public const uint ObjRestricted = 0x00010000;
    public const uint ObjSign = 0x00040000;

    /// <summary>PCRs a TPM 2.0 PC-client TPM implements (0..23), so a selection bitmap is 3 bytes.</summary>
    public const int PcrCount = 24;

    /// <summary>TPM2_NUM_PCR_BANKS in tss2_tpm2_types.h: the array size of TPML_PCR_SELECTION.</summary>
    public const int MaxPcrBanks = 16;

    /// <summary>TPM2_PCR_SELECT_MAX in tss2_tpm2_types.h (bytes of one bank's bitmap in the C struct).</summary>
    public const int PcrSelectMax = 4;

    /// <summary>TPML_DIGEST holds at most 8 digests (Part 2 §10.9.2), so a read of more PCRs comes back in chunks.</summary>
    public const int MaxDigestsPerList = 8;

    /// <summary>The digest size of a TPM hash algorithm, or 0 when unknown.</summary>
    public static int DigestSize(ushort hashAlg) => hashAlg switch
    {
        AlgSha1 => 20,
        AlgSha256 => 32,
        AlgSha384 => 48,
        AlgSha512 => 64,
        _ => 0,
    };

    /// <summary>.NET name of a TPM hash algorithm; Name is null when unknown.</summary>
    public static System.Security.Cryptography.HashAlgorithmName HashName(ushort hashAlg) => hashAlg switch
    {
        AlgSha1 => System.Security.Cryptography.HashAlgorithmName.SHA1,
        AlgSha256 => System.Security.Cryptography.HashAlgorithmName.SHA256,
        AlgSha384 => System.Security.Cryptography.HashAlgorithmName.SHA384,
        AlgSha512 => System.Security.Cryptography.HashAlgorithmName.SHA512,
        _ => default,
    };

    /// <summary>Hashes data with a TPM hash algorithm id.</summary>
    public static byte[] Hash(ushort hashAlg, ReadOnlySpan<byte> data) => hashAlg switch
    {
        AlgSha1 => System.Security.Cryptography.SHA1.HashData(data),
        AlgSha256 => System.Security.Cryptography.SHA256.HashData(data),
        AlgSha384 => System.Security.Cryptography.SHA384.HashData(data),
        AlgSha512 => System.Security.Cryptography.SHA512.HashData(data),
        _ => throw new ArgumentOutOfRangeException(nameof(hashAlg), $"unsupported hash algorithm 0x{hashAlg:x4}"),
    };

    /// <summary>Parses "sha1"/"sha256"/"sha384"/"sha512" into an algorithm id; 0 when unknown.</summary>
    public static ushort ParseHashName(string name) => name.ToLowerInvariant() switch
    {
        "sha1" => AlgSha1,
        "sha256" => AlgSha256,
        "sha384" => AlgSha384,
        "sha512" => AlgSha512,
        _ => 0,
    };

    /// <summary>The tpm2-tools spelling of a hash algorithm id.</summary>
    public static string HashLabel(ushort hashAlg) => hashAlg switch
    {
        AlgSha1 => "sha1",
        AlgSha256 => "sha256",
        AlgSha384 => "sha384",
        AlgSha512 => "sha512",
        _ => $"0x{hashAlg:x4}",
    };
}
