using Overlay.Attest.Interop;
using Overlay.Attest.Structures;
using static Overlay.Attest.Interop.Interop;

namespace Overlay.Attest.Tpm;

public sealed partial class TpmDevice
{
    /// <summary>Chunk size for NV reads; TPMs report TPM_PT_NV_BUFFER_MAX ≥ 512 (libtpms: 1024).</summary>
    private const int NvChunk = 512;

    /// <summary>Reads a whole NV index with its own (empty) auth, or returns null when the index does not exist.</summary>
    public byte[]? ReadNv(uint nvIndex)
    {
        lock (Gate)
        {
            var rc = Tss2Esys.Esys_TR_FromTPMPublic(Ctx, nvIndex, Tss2Esys.TrNone, Tss2Esys.TrNone, Tss2Esys.TrNone, out var tr);
            if (rc != 0)
            {
                // TPM_RC_HANDLE (0x18B) plus parameter bits: the index is not defined.
                if ((rc & 0xFFFF & 0x0BF) == 0x08B)
                {
                    return null;
                }

                throw new TpmException($"Esys_TR_FromTPMPublic(0x{nvIndex:x8})", rc);
            }

            using var index = new SafeTpmObjectHandle(_esys, tr, flush: false);
            var size = ReadNvSize(index.EsysTr, nvIndex);
            var data = new byte[size];
            for (var offset = 0; offset < size; offset += NvChunk)
            {
                var chunk = (ushort)Math.Min(NvChunk, size - offset);
                rc = Tss2Esys.Esys_NV_Read(Ctx, index.EsysTr, index.EsysTr, Tss2Esys.TrPassword, Tss2Esys.TrNone, Tss2Esys.TrNone,
                    chunk, (ushort)offset, out var buffer);
                TpmException.ThrowIfFailed(rc, $"Esys_NV_Read(0x{nvIndex:x8})");
                using var nvBuffer = new SafeEsysBuffer(buffer);
                byte[] wire;
                unsafe
                {
                    wire = nvBuffer.ToWire(Tss2Mu.Tss2_MU_TPM2B_MAX_NV_BUFFER_Marshal, "TPM2B_MAX_NV_BUFFER");
                }

                wire.AsSpan(2).CopyTo(data.AsSpan(offset));
            }

            return data;
        }
    }

    private ushort ReadNvSize(uint tr, uint nvIndex)
    {
        var rc = Tss2Esys.Esys_NV_ReadPublic(Ctx, tr, Tss2Esys.TrNone, Tss2Esys.TrNone, Tss2Esys.TrNone, out var nvPublic, IntPtr.Zero);
        TpmException.ThrowIfFailed(rc, $"Esys_NV_ReadPublic(0x{nvIndex:x8})");
        using var buffer = new SafeEsysBuffer(nvPublic);
        byte[] wire;
        unsafe
        {
            wire = buffer.ToWire(Tss2Mu.Tss2_MU_TPM2B_NV_PUBLIC_Marshal, "TPM2B_NV_PUBLIC");
        }

        // TPM2B_NV_PUBLIC: u16 size | u32 nvIndex | u16 nameAlg | u32 attributes | TPM2B authPolicy | u16 dataSize
        var reader = new TpmReader(wire);
        if (!reader.TryReadU16(out _) || !reader.TryReadU32(out _) || !reader.TryReadU16(out _) || !reader.TryReadU32(out _) ||
            !reader.TryRead2B(out _) || !reader.TryReadU16(out var dataSize))
        {
            throw new TpmException($"Esys_NV_ReadPublic(0x{nvIndex:x8})", "malformed TPM2B_NV_PUBLIC");
        }

        return dataSize;
    }
}
