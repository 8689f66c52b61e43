using Overlay.Attest.Interop;
using Overlay.Attest.Structures;
using static Overlay.Attest.Interop.Interop;

namespace Overlay.Attest.Tpm;

public sealed partial class TpmDevice
{
    /// <summary>Which hierarchy a primary key is created in.</summary>
    public enum Hierarchy : uint
    {
        Owner = Tss2Esys.TrRhOwner,
        Endorsement = Tss2Esys.TrRhEndorsement,
    }

    /// <summary>TPM2_CreatePrimary from a TPMT_PUBLIC template (empty auth); returns the handle and the TPMT_PUBLIC the TPM made.</summary>
    internal SafeTpmObjectHandle CreatePrimary(Hierarchy hierarchy, TpmtPublic template, out TpmtPublic created)
    {
        var publicWriter = new TpmWriter(400);
        publicWriter.Write2B(template.ToWire());
        ReadOnlySpan<byte> emptySensitive = [0x00, 0x04, 0x00, 0x00, 0x00, 0x00];
        ReadOnlySpan<byte> empty2B = [0x00, 0x00];
        ReadOnlySpan<byte> noPcrs = [0x00, 0x00, 0x00, 0x00];
        unsafe
        {
            using var sensitive = NativeStruct.From(emptySensitive, Tss2Mu.Tss2_MU_TPM2B_SENSITIVE_CREATE_Unmarshal, "TPM2B_SENSITIVE_CREATE");
            using var inPublic = NativeStruct.From(publicWriter.WrittenSpan, Tss2Mu.Tss2_MU_TPM2B_PUBLIC_Unmarshal, "TPM2B_PUBLIC");
            using var outside = NativeStruct.From(empty2B, Tss2Mu.Tss2_MU_TPM2B_DATA_Unmarshal, "TPM2B_DATA");
            using var creationPcr = NativeStruct.From(noPcrs, Tss2Mu.Tss2_MU_TPML_PCR_SELECTION_Unmarshal, "TPML_PCR_SELECTION");
            lock (Gate)
            {
                var rc = Tss2Esys.Esys_CreatePrimary(Ctx, (uint)hierarchy, Tss2Esys.TrPassword, Tss2Esys.TrNone, Tss2Esys.TrNone,
                    sensitive.Pointer, inPublic.Pointer, outside.Pointer, creationPcr.Pointer, out var handle, out var outPublic,
                    IntPtr.Zero, IntPtr.Zero, IntPtr.Zero);
                TpmException.ThrowIfFailed(rc, "Esys_CreatePrimary");
                var key = new SafeTpmObjectHandle(_esys, handle, flush: true);
                using var publicBuffer = new SafeEsysBuffer(outPublic);
                var wire = publicBuffer.ToWire(Tss2Mu.Tss2_MU_TPM2B_PUBLIC_Marshal, "TPM2B_PUBLIC");
                if (!TpmtPublic.TryParse2B(wire, out created, out var error))
                {
                    key.Dispose();
                    throw new TpmException("Esys_CreatePrimary", $"unreadable public area: {error}");
                }

                return key;
            }
        }
    }

    /// <summary>TPM2_Quote with the key's own scheme; returns TPMS_ATTEST and TPMT_SIGNATURE in wire form.</summary>
    internal (byte[] Attest, byte[] Signature) Quote(SafeTpmObjectHandle key, ReadOnlySpan<byte> qualifyingData, PcrSelection selection)
    {
        if (qualifyingData.Length > 64)
        {
            throw new ArgumentException("qualifying data is at most 64 bytes (TPM2B_DATA)", nameof(qualifyingData));
        }

        var data = new TpmWriter(70);
        data.Write2B(qualifyingData);
        ReadOnlySpan<byte> nullScheme = [0x00, 0x10];
        unsafe
        {
            using var qualifying = NativeStruct.From(data.WrittenSpan, Tss2Mu.Tss2_MU_TPM2B_DATA_Unmarshal, "TPM2B_DATA");
            using var scheme = NativeStruct.From(nullScheme, Tss2Mu.Tss2_MU_TPMT_SIG_SCHEME_Unmarshal, "TPMT_SIG_SCHEME");
            using var select = NativeStruct.From(selection.ToWire(), Tss2Mu.Tss2_MU_TPML_PCR_SELECTION_Unmarshal, "TPML_PCR_SELECTION");
            lock (Gate)
            {
                var rc = Tss2Esys.Esys_Quote(Ctx, key.EsysTr, Tss2Esys.TrPassword, Tss2Esys.TrNone, Tss2Esys.TrNone,
                    qualifying.Pointer, scheme.Pointer, select.Pointer, out var quoted, out var signature);
                TpmException.ThrowIfFailed(rc, "Esys_Quote");
                using var quotedBuffer = new SafeEsysBuffer(quoted);
                using var signatureBuffer = new SafeEsysBuffer(signature);
                var attest2B = quotedBuffer.ToWire(Tss2Mu.Tss2_MU_TPM2B_ATTEST_Marshal, "TPM2B_ATTEST");
                return (attest2B.AsSpan(2).ToArray(), signatureBuffer.ToWire(Tss2Mu.Tss2_MU_TPMT_SIGNATURE_Marshal, "TPMT_SIGNATURE"));
            }
        }
    }
}
