namespace Overlay.Attest.Ima;

/// <summary>An append-only measurement list. Order matters: it is the order the PCR was extended in.</summary>
public interface IMeasurementLog
{
    void Append(ImaNgEntry entry);

    /// <summary>A snapshot of the entries so far.</summary>
    MeasurementList Snapshot();
}

/// <summary>Extends PCRs; the TPM device implements it, tests may count calls.</summary>
public interface IPcrExtender
{
    /// <summary>Extends <paramref name="pcr"/> in the SHA-1 and SHA-256 banks (banks the TPM has not allocated are skipped by the TPM).</summary>
    void Extend(int pcr, ReadOnlySpan<byte> sha1, ReadOnlySpan<byte> sha256);
}
