using Overlay.Common.Interop;

namespace Overlay.Attest.Interop;

/// <summary>
/// The module's live TPM-side handles (TCTI, ESYS contexts, transient objects): a TPM without a resource manager
/// has room for only ~3 transient objects.
/// </summary>
internal static class TpmHandleTracker
{
    public static NativeHandleTracker Handles { get; } = new();
}
