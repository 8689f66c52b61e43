using Overlay.Attest.Interop;
using Overlay.Attest.Structures;
using Overlay.Attest.Verify;

namespace Overlay.Attest.Tpm;

public enum AkAlgorithm
{
    /// <summary>ECC NIST P-256, ECDSA with SHA-256 (the default: fast to create and to verify).</summary>
    EccP256,

    /// <summary>RSA-2048, RSASSA-PKCS1-v1_5 with SHA-256.</summary>
    Rsa2048,
}

/// <summary>
/// The attestation key: a restricted signing primary key created in the endorsement hierarchy from a fixed
/// template (<see cref="TpmtPublic.AttestationKeyTemplate"/>). The TPM derives primary keys from the hierarchy
/// seed and the template, so the same AK comes back after every restart without persisting anything, until the
/// endorsement seed changes (TPM2_Clear does not change it). The endorsement hierarchy also keeps the quote's
/// reset/restart counters unobfuscated, which the verifier's replay check needs.
/// </summary>
public sealed class AttestationKey : IDisposable
{
    private readonly TpmDevice _device;
    private readonly SafeTpmObjectHandle _handle;

    private AttestationKey(TpmDevice device, SafeTpmObjectHandle handle, TpmtPublic publicArea)
    {
        _device = device;
        _handle = handle;
        Public = publicArea;
        AkPublic = AkPublicKey.FromTpmPublic(publicArea);
    }

    public TpmtPublic Public { get; }

    /// <summary>The public part as a verifier loads it (PEM export, fingerprint).</summary>
    public AkPublicKey AkPublic { get; }

    internal SafeTpmObjectHandle Handle => _handle;

    public static AttestationKey Create(TpmDevice device, AkAlgorithm algorithm = AkAlgorithm.EccP256)
    {
        var template = TpmtPublic.AttestationKeyTemplate(algorithm == AkAlgorithm.EccP256 ? TpmConstants.AlgEcc : TpmConstants.AlgRsa);
        var handle = device.CreatePrimary(TpmDevice.Hierarchy.Endorsement, template, out var created);
        return new AttestationKey(device, handle, created);
    }

    /// <summary>TPM2B_PUBLIC, the format tpm2-tools reads with <c>-u</c>.</summary>
    public byte[] ExportTpm2BPublic() => Public.To2B();

    public string ExportPem() => AkPublic.ExportPem();

    /// <summary>TPM name (nameAlg || SHA-256(TPMT_PUBLIC)).</summary>
    public byte[] Name => Public.ComputeName();

    /// <summary>Quotes a PCR selection with the nonce as qualifying data.</summary>
    public (byte[] Attest, byte[] Signature) Quote(ReadOnlySpan<byte> nonce, PcrSelection selection) =>
        _device.Quote(_handle, nonce, selection);

    public void Dispose()
    {
        // Flushing is a TPM command: serialise it with the device's other commands.
        lock (_device.Gate)
        {
            _handle.Dispose();
        }

        AkPublic.Dispose();
    }
}
