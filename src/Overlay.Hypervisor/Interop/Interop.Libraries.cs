namespace Overlay.Hypervisor.Interop;

internal static partial class Interop
{
    /// <summary>Native libraries by their Debian runtime sonames (libvirt.so without the .0 comes only with -dev).</summary>
    internal static class Libraries
    {
        internal const string Libvirt = "libvirt.so.0";
        internal const string LibC = "libc";
    }
}
