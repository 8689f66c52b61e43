namespace Overlay.Attest.Quote;

/// <summary>Where a measurement list in evidence comes from.</summary>
public enum MeasurementSource : byte
{
    /// <summary>The daemon's own list (itself, its config and policy, guest images).</summary>
    Overlay = 0,

    /// <summary>The host kernel's IMA list (PCR 10).</summary>
    KernelIma = 1,
}

/// <summary>A measurement list as carried in evidence: binary_runtime_measurements bytes plus its source.</summary>
public sealed record EvidenceLog(MeasurementSource Source, byte[] Binary);

/// <summary>
/// What an attester hands a verifier. Parts are kept as the bytes the TPM or the log produced, so the verifier
/// parses (and reports on) each one itself and nothing is re-encoded between the TPM and the check.
/// </summary>
public sealed class Evidence
{
    /// <summary>TPMS_ATTEST exactly as signed.</summary>
    public required byte[] Attest { get; init; }

    /// <summary>TPMT_SIGNATURE over <see cref="Attest"/>.</summary>
    public required byte[] Signature { get; init; }

    /// <summary>The attestation key as TPM2B_PUBLIC.</summary>
    public required byte[] AkPublic { get; init; }

    /// <summary>The reported PCR values: TPML_PCR_SELECTION | u32 count | count × TPM2B_DIGEST.</summary>
    public required byte[] PcrValues { get; init; }

    public IReadOnlyList<EvidenceLog> Logs { get; init; } = [];

    /// <summary>An X.509 certificate for the AK (DER), when the attester has one.</summary>
    public byte[]? AkCertificate { get; init; }
}
