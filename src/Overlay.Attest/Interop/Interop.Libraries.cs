namespace Overlay.Attest.Interop;

internal static partial class Interop
{
    /// <summary>tpm2-tss shared objects by their Debian runtime sonames (the bare .so names come only with -dev).</summary>
    internal static class Libraries
    {
        internal const string Esys = "libtss2-esys.so.0";
        internal const string TctiLdr = "libtss2-tctildr.so.0";
        internal const string Mu = "libtss2-mu.so.0";
        internal const string Rc = "libtss2-rc.so.0";
    }
}
