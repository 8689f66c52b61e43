using System.Net;
using Overlay.DataPlane.Io;
using Overlay.DataPlane.Tests.Xdp.Asm;
using Overlay.DataPlane.Xdp;
using Overlay.DataPlane.Xdp.Asm;

namespace Overlay.DataPlane.Tests.Xdp;

/// <summary>
/// The underlay program's bytes (the kernel's verifier accepts them: XdpUnderlayTests loads and runs them). What
/// must hold whatever else changes: the address is compared in 32 bits (no sign extension of an immediate above
/// 0x7fffffff, e.g. 10.77.0.200), the port in network order, and everything that is not ours ends in XDP_PASS.
/// </summary>
public sealed class XdpUnderlayProgramSpecTests
{
    [Fact]
    public void The_address_is_a_32_bit_compare_and_the_port_is_in_network_order()
    {
        UdpAddress local = UdpAddress.From(IPAddress.Parse("10.77.0.200"), 4500);
        string hex = ProgramBuilderTests.Hex(XdpUnderlayProgramSpec.RedirectUdpToXsk(local.AddressNetworkOrder, local.Port).ToBytes());
        Assert.Contains("61 25 1e 00 00 00 00 00", hex);  // r5 = *(u32 *)(r2 + 30): the destination address
        Assert.Contains("56 05 ", hex);                    // jne32 r5, imm (BPF_JMP32 | BPF_JNE | BPF_K)
        Assert.Contains("0a 4d 00 c8", hex);               // 10.77.0.200 as the bytes on the wire
        Assert.Contains("55 05 ", hex);                    // jne r5, imm (the port, 64-bit compare of a zero-extended u16)
        Assert.Contains("11 94 00 00", hex);               // 4500 = 0x1194 in network order (loaded little-endian: 0x9411)
    }

    [Fact]
    public void Bound_to_0_0_0_0_there_is_no_address_compare()
    {
        string any = ProgramBuilderTests.Hex(XdpUnderlayProgramSpec.RedirectUdpToXsk(0, 4500).ToBytes());
        string one = ProgramBuilderTests.Hex(XdpUnderlayProgramSpec.RedirectUdpToXsk(UdpAddress.From(IPAddress.Parse("10.0.0.1"), 4500).AddressNetworkOrder, 4500).ToBytes());
        Assert.DoesNotContain("56 05 ", any);
        Assert.Equal(one.Length - (2 * 24), any.Length); // two instructions fewer ("xx " per byte, 8 bytes each)
    }

    [Fact]
    public void Every_path_ends_in_an_exit_and_the_program_is_the_same_each_time()
    {
        BpfProgram program = XdpUnderlayProgramSpec.RedirectUdpToXsk(0x0100000a, 4500);
        Assert.Equal(ProgramBuilderTests.Hex(program.ToBytes()), ProgramBuilderTests.Hex(XdpUnderlayProgramSpec.RedirectUdpToXsk(0x0100000a, 4500).ToBytes()));
        Assert.Equal(0x95, program.Instructions[^1].OpCode);                 // exit
        Assert.Equal(0xb7, program.Instructions[^2].OpCode);                 // r0 = XDP_PASS (the "pass" label)
        Assert.Equal(2, program.Instructions[^2].Immediate);
        Assert.Single(program.Maps);
        Assert.Equal(XdpProgramSpec.XskMapName, program.Maps[0].Map);
    }
}
