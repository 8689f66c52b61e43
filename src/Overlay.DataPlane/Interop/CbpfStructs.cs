using System.Runtime.InteropServices;

namespace Overlay.DataPlane.Interop;

#pragma warning disable CS8981, IDE1006 // C names on purpose (CONVENTIONS 18)

/// <summary><c>struct sock_filter</c>, linux/filter.h: one classic BPF instruction, 8 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct sock_filter
{
    public ushort code;
    public byte jt;
    public byte jf;
    public uint k;
}

/// <summary><c>struct sock_fprog</c>, linux/filter.h: 16 bytes on 64-bit targets (the pointer is 8-aligned).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct sock_fprog
{
    public ushort len;
    public sock_filter* filter;
}
