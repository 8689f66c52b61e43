using Overlay.DataPlane.Tests.Xdp.Asm;
using Overlay.DataPlane.Xdp;

namespace Overlay.DataPlane.Tests.Xdp;

/// <summary>The port program, byte for byte (like cilium/ebpf's asm/dsl_test.go): what the kernel loads never drifts.</summary>
public sealed class XdpProgramSpecTests
{
    private const string Expected =
        "61 12 10 00 00 00 00 00 " + // r2 = *(u32 *)(r1 + 16)   rx_queue_index
        "18 11 00 00 00 00 00 00 " + // r1 = map[xsks] ll       (BPF_PSEUDO_MAP_FD, fd relocated at load)
        "00 00 00 00 00 00 00 00 " + //                          ld_imm64 upper half
        "b7 03 00 00 02 00 00 00 " + // r3 = XDP_PASS
        "85 00 00 00 33 00 00 00 " + // call bpf_redirect_map (51)
        "95 00 00 00 00 00 00 00";   // exit

    [Fact]
    public void Emits_the_same_48_bytes_every_time()
    {
        byte[] first = XdpProgramSpec.RedirectToXsk().ToBytes();
        byte[] second = XdpProgramSpec.RedirectToXsk().ToBytes();
        Assert.Equal(48, first.Length);
        Assert.Equal(Expected, ProgramBuilderTests.Hex(first));
        Assert.Equal(first, second);
    }

    [Fact]
    public void Only_the_map_immediate_changes_when_the_fd_is_relocated()
    {
        byte[] plain = XdpProgramSpec.RedirectToXsk().ToBytes();
        byte[] relocated = XdpProgramSpec.RedirectToXsk().ToBytes(name => name == XdpProgramSpec.XskMapName ? 0x1234 : -1);
        int[] differing = Enumerable.Range(0, plain.Length).Where(i => plain[i] != relocated[i]).ToArray();
        Assert.Equal([12, 13], differing);
        Assert.Equal(0x34, relocated[12]);
        Assert.Equal(0x12, relocated[13]);
    }
}
