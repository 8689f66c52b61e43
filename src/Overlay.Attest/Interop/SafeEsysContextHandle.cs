using Microsoft.Win32.SafeHandles;

namespace Overlay.Attest.Interop;

/// <summary>An ESYS_CONTEXT; holds a reference on its TCTI and releases it after Esys_Finalize.</summary>
internal sealed class SafeEsysContextHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    private readonly SafeTctiHandle? _tcti;

    public SafeEsysContextHandle()
        : base(ownsHandle: true)
    {
    }

    internal SafeEsysContextHandle(IntPtr context, SafeTctiHandle tcti)
        : base(ownsHandle: true)
    {
        SetHandle(context);
        _tcti = tcti;
        TpmHandleTracker.Handles.Created(this);
    }

    protected override bool ReleaseHandle()
    {
        var context = handle;
        Interop.Tss2Esys.Esys_Finalize(ref context);
        _tcti?.DangerousRelease();
        TpmHandleTracker.Handles.Released(this);
        return true;
    }

    public override string ToString() => $"esys#{handle:x}";
}
