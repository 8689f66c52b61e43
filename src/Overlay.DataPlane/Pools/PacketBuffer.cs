using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Overlay.DataPlane.Pools;

/// <summary>
/// One fixed-size, pinned packet buffer. Pinned so that the kernel can be handed its address in an
/// iovec without a <c>fixed</c> per call; fixed-size so that every buffer fits any frame or packet
/// the data plane accepts (MTU plus ESP, EtherIP and tag overhead).
/// </summary>
public sealed class PacketBuffer
{
    internal PacketBuffer(int size)
    {
        Data = GC.AllocateArray<byte>(size, pinned: true);
    }

    /// <summary>The whole buffer; <see cref="Length"/> bytes of it are valid.</summary>
    public byte[] Data { get; }

    /// <summary>Valid bytes from offset 0.</summary>
    public int Length { get; set; }

    public Span<byte> Valid => Data.AsSpan(0, Length);

    /// <summary>The buffer's fixed address (it is pinned for its whole life).</summary>
    internal unsafe byte* Pointer => (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(Data));
}
