using System.Runtime.InteropServices;

namespace Overlay.Attest.Interop;

/// <summary>
/// Zeroed native memory holding one tpm2-tss C struct, filled from TPM wire bytes by a libtss2-mu Unmarshal
/// function. 4 KiB covers every input struct used here (the largest, TPML_DIGEST_VALUES, is 1060 bytes).
/// </summary>
internal sealed unsafe class NativeStruct : IDisposable
{
    private const int Size = 4096;

    internal unsafe delegate uint Unmarshaller(byte* buffer, nuint size, ref nuint offset, IntPtr dest);

    private NativeStruct() => Pointer = (IntPtr)NativeMemory.AllocZeroed(Size);

    public IntPtr Pointer { get; private set; }

    public static NativeStruct From(ReadOnlySpan<byte> wire, Unmarshaller unmarshal, string what)
    {
        var native = new NativeStruct();
        nuint offset = 0;
        uint rc;
        fixed (byte* p = wire)
        {
            rc = unmarshal(p, (nuint)wire.Length, ref offset, native.Pointer);
        }

        if (rc != 0 || offset != (nuint)wire.Length)
        {
            native.Dispose();
            throw rc != 0 ? new TpmException($"marshalling {what}", rc) : new TpmException($"marshalling {what}", "trailing bytes");
        }

        return native;
    }

    public void Dispose()
    {
        if (Pointer != IntPtr.Zero)
        {
            NativeMemory.Free((void*)Pointer);
            Pointer = IntPtr.Zero;
        }
    }
}
