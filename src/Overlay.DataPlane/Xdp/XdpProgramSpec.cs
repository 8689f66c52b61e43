using Overlay.DataPlane.Xdp.Asm;

namespace Overlay.DataPlane.Xdp;

/// <summary>
/// The XDP program of a guest port, emitted from C# (no clang, no object files, nothing to ship):
/// every frame that arrives on the port's queue goes to the AF_XDP socket registered for that queue in
/// the XSKMAP; with no socket there (not bound yet, or gone), the frame passes to the kernel stack.
/// <code>
///   r2 = *(u32 *)(r1 + 16)          ; ctx->rx_queue_index (struct xdp_md)
///   r1 = map[xsks] ll               ; the XSKMAP (ld_imm64, BPF_PSEUDO_MAP_FD)
///   r3 = XDP_PASS                   ; bpf_redirect_map's fallback action (flags low bits)
///   call bpf_redirect_map           ; → XDP_REDIRECT, or XDP_PASS when the slot is empty
///   exit                            ; r0 is the action
/// </code>
/// Pure: the same bytes on every machine and every call (map immediates are relocated at load time).
/// </summary>
public static class XdpProgramSpec
{
    public const string XskMapName = "xsks";

    /// <summary>offsetof(struct xdp_md, rx_queue_index), linux/bpf.h.</summary>
    public const short RxQueueIndexOffset = 16;

    /// <summary>enum xdp_action, linux/bpf.h.</summary>
    public const int XdpPass = 2;

    public const string License = "GPL";

    public static BpfProgram RedirectToXsk() => new ProgramBuilder()
        .LoadMemory(Size.Word, Register.R2, Register.R1, RxQueueIndexOffset)
        .LoadMap(Register.R1, XskMapName)
        .MoveImmediate(Register.R3, XdpPass)
        .Call(HelperFunction.RedirectMap)
        .Exit()
        .Build();
}
