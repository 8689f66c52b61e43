using System.Runtime.InteropServices;

namespace Overlay.Attest.Interop;

/// <summary>
/// An ESYS_TR for a TPM object. Transient objects are flushed from the TPM on release (there is no resource
/// manager on swtpm or /dev/tpm0, and the TPM has room for only a few); NV indices and persistent handles are
/// only closed in ESYS. Holds a reference on its ESYS context.
/// </summary>
internal sealed class SafeTpmObjectHandle : SafeHandle
{
    private readonly SafeEsysContextHandle? _context;
    private readonly bool _flush;

    public SafeTpmObjectHandle()
        : base(new IntPtr(Interop.Tss2Esys.TrNone), ownsHandle: true)
    {
    }

    internal SafeTpmObjectHandle(SafeEsysContextHandle context, uint esysTr, bool flush)
        : base(new IntPtr(Interop.Tss2Esys.TrNone), ownsHandle: true)
    {
        var added = false;
        context.DangerousAddRef(ref added);
        _context = context;
        _flush = flush;
        SetHandle(new IntPtr(esysTr));
        TpmHandleTracker.Handles.Created(this);
    }

    public override bool IsInvalid => handle == new IntPtr(Interop.Tss2Esys.TrNone);

    public uint EsysTr => (uint)handle;

    protected override bool ReleaseHandle()
    {
        if (_context is null)
        {
            return true;
        }

        var ctx = _context.DangerousGetHandle();
        if (_flush)
        {
            Interop.Tss2Esys.Esys_FlushContext(ctx, (uint)handle);
        }
        else
        {
            var tr = (uint)handle;
            Interop.Tss2Esys.Esys_TR_Close(ctx, ref tr);
        }

        _context.DangerousRelease();
        TpmHandleTracker.Handles.Released(this);
        return true;
    }

    public override string ToString() => $"esys-tr#{handle:x}";
}
