using Overlay.Attest.Ima;
using Overlay.Attest.Interop;
using Overlay.Attest.Structures;
using static Overlay.Attest.Interop.Interop;

namespace Overlay.Attest.Tpm;

/// <summary>
/// A TPM reached through tpm2-tss ESYS over a TCTI: <c>device:/dev/tpmrm0</c> on real hosts,
/// <c>swtpm:path=…</c> or <c>swtpm:host=…,port=…</c> for a software TPM. ESYS contexts are not thread-safe, so every
/// command runs under one lock. All structures cross this boundary as TPM wire bytes.
/// </summary>
public sealed partial class TpmDevice : IPcrExtender, IDisposable
{
    private readonly SafeTctiHandle _tcti;
    private readonly SafeEsysContextHandle _esys;

    private TpmDevice(string tcti, SafeTctiHandle tctiHandle, SafeEsysContextHandle esys)
    {
        Tcti = tcti;
        _tcti = tctiHandle;
        _esys = esys;
    }

    public string Tcti { get; }

    internal object Gate { get; } = new();

    internal SafeEsysContextHandle Context => _esys;

    public static TpmDevice Open(string tcti)
    {
        var tctiHandle = Tss2TctiLdr.Initialize(tcti);
        try
        {
            return new TpmDevice(tcti, tctiHandle, Tss2Esys.Initialize(tctiHandle));
        }
        catch
        {
            tctiHandle.Dispose();
            throw;
        }
    }

    /// <summary>TPM2_GetRandom: bytes from the TPM's RNG (at most 32 per call on most TPMs; looped here).</summary>
    public byte[] GetRandom(int count)
    {
        var output = new List<byte>(count);
        while (output.Count < count)
        {
            lock (Gate)
            {
                var rc = Tss2Esys.Esys_GetRandom(Ctx, Tss2Esys.TrNone, Tss2Esys.TrNone, Tss2Esys.TrNone,
                    (ushort)Math.Min(32, count - output.Count), out var random);
                TpmException.ThrowIfFailed(rc, "Esys_GetRandom");
                using var buffer = new SafeEsysBuffer(random);
                unsafe
                {
                    var wire = buffer.ToWire(Tss2Mu.Tss2_MU_TPM2B_DIGEST_Marshal, "TPM2B_DIGEST");
                    output.AddRange(wire.AsSpan(2).ToArray());
                }
            }
        }

        return output.ToArray();
    }

    /// <summary>TPM2_PCR_Extend of one PCR in the SHA-1 and SHA-256 banks, with an empty-password session.</summary>
    public void Extend(int pcr, ReadOnlySpan<byte> sha1, ReadOnlySpan<byte> sha256)
    {
        var w = new TpmWriter(64);
        w.WriteU32(2);
        w.WriteU16(TpmConstants.AlgSha1);
        w.WriteBytes(sha1);
        w.WriteU16(TpmConstants.AlgSha256);
        w.WriteBytes(sha256);
        unsafe
        {
            using var digests = NativeStruct.From(w.WrittenSpan, Tss2Mu.Tss2_MU_TPML_DIGEST_VALUES_Unmarshal, "TPML_DIGEST_VALUES");
            lock (Gate)
            {
                var rc = Tss2Esys.Esys_PCR_Extend(Ctx, Tss2Esys.TrPcr0 + (uint)pcr, Tss2Esys.TrPassword, Tss2Esys.TrNone,
                    Tss2Esys.TrNone, digests.Pointer);
                TpmException.ThrowIfFailed(rc, $"Esys_PCR_Extend(PCR {pcr})");
            }
        }
    }

    /// <summary>
    /// TPM2_PCR_Read of a selection. The TPM returns at most 8 values per call, so each bank is read in chunks of
    /// 8 PCRs. A bank the TPM has not allocated makes this throw.
    /// </summary>
    public PcrValues ReadPcrs(PcrSelection selection)
    {
        var digests = new List<byte[]>();
        foreach (var bank in selection.Banks)
        {
            foreach (var chunk in bank.Pcrs.Chunk(TpmConstants.MaxDigestsPerList))
            {
                var values = ReadChunk(new PcrSelection([new PcrBankSelection(bank.HashAlg, chunk)]));
                if (values.Count != chunk.Length)
                {
                    throw new TpmException("Esys_PCR_Read",
                        $"the TPM returned {values.Count} of {chunk.Length} {TpmConstants.HashLabel(bank.HashAlg)} PCRs (bank not allocated?)");
                }

                digests.AddRange(values);
            }
        }

        return new PcrValues(selection, digests);
    }

    private List<byte[]> ReadChunk(PcrSelection chunk)
    {
        unsafe
        {
            using var select = NativeStruct.From(chunk.ToWire(), Tss2Mu.Tss2_MU_TPML_PCR_SELECTION_Unmarshal, "TPML_PCR_SELECTION");
            byte[] wire;
            lock (Gate)
            {
                var rc = Tss2Esys.Esys_PCR_Read(Ctx, Tss2Esys.TrNone, Tss2Esys.TrNone, Tss2Esys.TrNone, select.Pointer,
                    out _, out var selOut, out var values);
                TpmException.ThrowIfFailed(rc, "Esys_PCR_Read");
                using var selBuffer = new SafeEsysBuffer(selOut);
                using var valueBuffer = new SafeEsysBuffer(values);
                wire = valueBuffer.ToWire(Tss2Mu.Tss2_MU_TPML_DIGEST_Marshal, "TPML_DIGEST");
            }

            var reader = new TpmReader(wire);
            var list = new List<byte[]>();
            if (!reader.TryReadU32(out var count))
            {
                throw new TpmException("Esys_PCR_Read", "malformed TPML_DIGEST");
            }

            for (var i = 0; i < count; i++)
            {
                if (!reader.TryRead2B(out var digest, 64))
                {
                    throw new TpmException("Esys_PCR_Read", "malformed TPML_DIGEST");
                }

                list.Add(digest.ToArray());
            }

            return list;
        }
    }

    private IntPtr Ctx => _esys.DangerousGetHandle();

    public void Dispose()
    {
        lock (Gate)
        {
            _esys.Dispose();
            _tcti.Dispose();
        }
    }
}
