using Microsoft.Win32.SafeHandles;

namespace Overlay.Attest.Interop;

/// <summary>A struct ESYS allocated for a command's output; freed with Esys_Free.</summary>
internal sealed unsafe class SafeEsysBuffer : SafeHandleZeroOrMinusOneIsInvalid
{
    internal unsafe delegate uint Marshaller(IntPtr src, byte* buffer, nuint size, ref nuint offset);

    public SafeEsysBuffer()
        : base(ownsHandle: true)
    {
    }

    internal SafeEsysBuffer(IntPtr pointer)
        : base(ownsHandle: true) => SetHandle(pointer);

    /// <summary>The struct in TPM wire form, via a libtss2-mu Marshal function.</summary>
    public byte[] ToWire(Marshaller marshal, string what)
    {
        var buffer = new byte[8192];
        nuint offset = 0;
        uint rc;
        fixed (byte* p = buffer)
        {
            rc = marshal(handle, p, (nuint)buffer.Length, ref offset);
        }

        TpmException.ThrowIfFailed(rc, $"marshalling {what}");
        return buffer.AsSpan(0, (int)offset).ToArray();
    }

    protected override bool ReleaseHandle()
    {
        Interop.Tss2Esys.Esys_Free(handle);
        return true;
    }
}
