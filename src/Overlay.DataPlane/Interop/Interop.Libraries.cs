namespace Overlay.DataPlane.Interop;

/// <summary>
/// Native entry points of the data plane, grouped by library (CONVENTIONS 15). Raw imports are
/// private; the wrappers take spans or handles, check the return value and map errno once.
/// </summary>
internal static partial class Interop
{
    internal static class Libraries
    {
        /// <summary>glibc; "libc" resolves to libc.so.6 through the runtime's probing.</summary>
        public const string LibC = "libc";
    }
}
