using Overlay.DataPlane.Xdp.Asm;

namespace Overlay.DataPlane.Xdp;

/// <summary>
/// The XDP program of the AF_XDP underlay, emitted from C# like <see cref="XdpProgramSpec"/>: an IPv4 UDP
/// datagram to this host's underlay address and port, not fragmented and with a 20-byte IP header, goes
/// to the AF_XDP socket of the queue it arrived on (the XSKMAP slot of its rx_queue_index); everything
/// else — ARP, IP fragments (a large IKE message), IP options, other ports, the host's own traffic, and
/// any frame whose queue has no socket — passes to the kernel stack (XDP_PASS).
/// <code>
///   r7 = *(u32 *)(r1 + 16)           ; ctx->rx_queue_index
///   r2 = *(u32 *)(r1 + 0)            ; ctx->data
///   r3 = *(u32 *)(r1 + 4)            ; ctx->data_end
///   r4 = r2; r4 += 42                ; Ethernet 14 + IPv4 20 + UDP 8
///   if r4 > r3 goto pass             ; the verifier's bound check
///   r5 = *(u16 *)(r2 + 12)           ; ethertype (loaded little-endian: 0x0800 reads 0x0008)
///   if r5 != 0x0008 goto pass
///   r5 = *(u8 *)(r2 + 14)            ; version 4, IHL 5
///   if r5 != 0x45 goto pass
///   r5 = *(u8 *)(r2 + 23)            ; protocol
///   if r5 != 17 goto pass
///   r5 = *(u16 *)(r2 + 20)           ; flags + fragment offset
///   r5 &amp;= 0xff3f                     ; MF | offset (0x3fff in network order)
///   if r5 != 0 goto pass
///   r5 = *(u32 *)(r2 + 30)           ; destination address     (omitted when bound to 0.0.0.0)
///   if w5 != ADDRESS goto pass       ; 32-bit compare
///   r5 = *(u16 *)(r2 + 36)           ; UDP destination port
///   if r5 != PORT goto pass
///   r1 = map[xsks] ll
///   r2 = r7
///   r3 = XDP_PASS                    ; no socket in the slot: to the kernel
///   call bpf_redirect_map
///   exit
/// pass:
///   r0 = XDP_PASS
///   exit
/// </code>
/// Pure: the bytes depend only on the address and port (map immediates are relocated at load time).
/// </summary>
public static class XdpUnderlayProgramSpec
{
    /// <summary>Ethernet, IPv4 (no options) and UDP headers: what the program and the receive path read.</summary>
    public const int HeadersLength = 14 + 20 + 8;

    /// <param name="addressNetworkOrder">The underlay address as <see cref="Io.UdpAddress.AddressNetworkOrder"/>; 0 accepts any.</param>
    /// <param name="port">The UDP port in host order.</param>
    public static BpfProgram RedirectUdpToXsk(uint addressNetworkOrder, ushort port)
    {
        var b = new ProgramBuilder()
            .LoadMemory(Size.Word, Register.R7, Register.R1, XdpProgramSpec.RxQueueIndexOffset)
            .LoadMemory(Size.Word, Register.R2, Register.R1, 0)
            .LoadMemory(Size.Word, Register.R3, Register.R1, 4)
            .Move(Register.R4, Register.R2)
            .AddImmediate(Register.R4, HeadersLength)
            .JumpIfRegister(JumpOp.Greater, Register.R4, Register.R3, "pass")
            .LoadMemory(Size.Half, Register.R5, Register.R2, 12)
            .JumpIf(JumpOp.NotEqual, Register.R5, 0x0008, "pass")
            .LoadMemory(Size.Byte, Register.R5, Register.R2, 14)
            .JumpIf(JumpOp.NotEqual, Register.R5, 0x45, "pass")
            .LoadMemory(Size.Byte, Register.R5, Register.R2, 23)
            .JumpIf(JumpOp.NotEqual, Register.R5, 17, "pass")
            .LoadMemory(Size.Half, Register.R5, Register.R2, 20)
            .AndImmediate(Register.R5, 0xff3f)
            .JumpIf(JumpOp.NotEqual, Register.R5, 0, "pass");
        if (addressNetworkOrder != 0)
        {
            b.LoadMemory(Size.Word, Register.R5, Register.R2, 30)
             .JumpIf32(JumpOp.NotEqual, Register.R5, unchecked((int)addressNetworkOrder), "pass");
        }

        return b
            .LoadMemory(Size.Half, Register.R5, Register.R2, 36)
            .JumpIf(JumpOp.NotEqual, Register.R5, (ushort)((port << 8) | (port >> 8)), "pass")
            .LoadMap(Register.R1, XdpProgramSpec.XskMapName)
            .Move(Register.R2, Register.R7)
            .MoveImmediate(Register.R3, XdpProgramSpec.XdpPass)
            .Call(HelperFunction.RedirectMap)
            .Exit()
            .Label("pass")
            .MoveImmediate(Register.R0, XdpProgramSpec.XdpPass)
            .Exit()
            .Build();
    }
}
