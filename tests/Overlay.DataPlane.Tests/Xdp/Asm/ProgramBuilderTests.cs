using Overlay.DataPlane.Xdp.Asm;

namespace Overlay.DataPlane.Tests.Xdp.Asm;

/// <summary>Encodings checked against the kernel's (linux/filter.h macros and `bpftool prog dump xlated opcodes`).</summary>
public sealed class ProgramBuilderTests
{
    [Theory]
    [InlineData("mov r3, 2", "b7 03 00 00 02 00 00 00")]
    [InlineData("mov r6, r1", "bf 16 00 00 00 00 00 00")]
    [InlineData("add r2, -4", "07 02 00 00 fc ff ff ff")]
    [InlineData("ldxw r2, [r1+16]", "61 12 10 00 00 00 00 00")]
    [InlineData("ldxh r3, [r7-2]", "69 73 fe ff 00 00 00 00")]
    [InlineData("call 51", "85 00 00 00 33 00 00 00")]
    [InlineData("exit", "95 00 00 00 00 00 00 00")]
    public void Single_instructions_encode_as_the_kernel_does(string name, string hex)
    {
        var b = new ProgramBuilder();
        _ = name switch
        {
            "mov r3, 2" => b.MoveImmediate(Register.R3, 2),
            "mov r6, r1" => b.Move(Register.R6, Register.R1),
            "add r2, -4" => b.AddImmediate(Register.R2, -4),
            "ldxw r2, [r1+16]" => b.LoadMemory(Size.Word, Register.R2, Register.R1, 16),
            "ldxh r3, [r7-2]" => b.LoadMemory(Size.Half, Register.R3, Register.R7, -2),
            "call 51" => b.Call(HelperFunction.RedirectMap),
            "exit" => b.Exit(),
            _ => throw new ArgumentException(name),
        };
        Assert.Equal(hex, Hex(b.Build().ToBytes()));
    }

    [Fact]
    public void Jumps_resolve_forward_and_backward_labels_in_instructions_after_the_jump()
    {
        BpfProgram p = new ProgramBuilder()
            .Label("top")
            .JumpIf(JumpOp.NotEqual, Register.R2, 0, "pass") // 0 → 3: offset 2
            .MoveImmediate(Register.R0, 1)
            .Jump("top")                                       // 2 → 0: offset -3
            .Label("pass")
            .MoveImmediate(Register.R0, 2)
            .Exit()
            .Build();
        Assert.Equal(2, p.Instructions[0].Offset);
        Assert.Equal(-3, p.Instructions[2].Offset);
        Assert.Equal("55 02 02 00 00 00 00 00", Hex(p.ToBytes().AsSpan(0, 8).ToArray()));
        Assert.Equal("05 00 fd ff 00 00 00 00", Hex(p.ToBytes().AsSpan(16, 8).ToArray()));
    }

    [Fact]
    public void Undefined_and_duplicate_labels_are_errors()
    {
        Assert.Contains("undefined label 'nowhere'",
            Assert.Throws<InvalidOperationException>(() => new ProgramBuilder().Jump("nowhere").Exit().Build()).Message);
        Assert.Contains("defined twice",
            Assert.Throws<InvalidOperationException>(() => new ProgramBuilder().Label("a").Exit().Label("a")).Message);
    }

    [Fact]
    public void A_map_load_takes_two_slots_and_its_fd_is_a_relocation()
    {
        BpfProgram p = new ProgramBuilder().LoadMap(Register.R1, "m").Exit().Build();
        Assert.Equal(3, p.Instructions.Count);
        Assert.Equal(new MapReference(0, "m"), Assert.Single(p.Maps));
        Assert.Equal("18 11 00 00 00 00 00 00", Hex(p.ToBytes().AsSpan(0, 8).ToArray()));
        Assert.Equal("18 11 00 00 2a 00 00 00", Hex(p.ToBytes(_ => 42).AsSpan(0, 8).ToArray()));
    }

    internal static string Hex(byte[] bytes) => string.Join(' ', bytes.Select(x => x.ToString("x2")));
}
