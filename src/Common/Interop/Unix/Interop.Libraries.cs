namespace Overlay.Common.Interop.Unix;

/// <summary>
/// The libc calls every project that talks to the kernel needs (a descriptor's close, errno and its text), kept
/// once here and compiled into each such project as internal source, as dotnet/runtime's
/// <c>src/libraries/Common/src/Interop/Unix</c> is: the projects stay free of references to one another.
/// Calls only one project makes stay in that project's own <c>Interop</c> class.
/// </summary>
internal static partial class Interop
{
    internal static class Libraries
    {
        /// <summary>glibc; "libc" resolves to libc.so.6 through the runtime's probing.</summary>
        internal const string LibC = "libc";
    }
}
