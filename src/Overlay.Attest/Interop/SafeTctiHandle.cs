using Microsoft.Win32.SafeHandles;

namespace Overlay.Attest.Interop;

/// <summary>A TSS2_TCTI_CONTEXT from Tss2_TctiLdr_Initialize; finalized when released.</summary>
internal sealed class SafeTctiHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public SafeTctiHandle()
        : base(ownsHandle: true)
    {
    }

    internal SafeTctiHandle(IntPtr handle)
        : base(ownsHandle: true)
    {
        SetHandle(handle);
        TpmHandleTracker.Handles.Created(this);
    }

    protected override bool ReleaseHandle()
    {
        var tcti = handle;
        Interop.Tss2TctiLdr.Tss2_TctiLdr_Finalize(ref tcti);
        TpmHandleTracker.Handles.Released(this);
        return true;
    }

    public override string ToString() => $"tcti#{handle:x}";
}
