using System.Buffers.Binary;

namespace Overlay.DataPlane.Xdp.Asm;

/// <summary>
/// One 8-byte eBPF instruction (struct bpf_insn, little-endian as the kernel expects on x86_64 and aarch64):
/// <code>
///   +--------+--------+--------+----------------+--------------------------------+
///   | opcode | src|dst| offset (s16)            | immediate (s32)                |
///   +--------+--------+--------+----------------+--------------------------------+
///    byte 0   byte 1   bytes 2-3                 bytes 4-7
/// </code>
/// Byte 1 holds dst in its low nibble and src in its high nibble. A 64-bit immediate load (ld_imm64) takes
/// two instructions: the second carries the upper 32 bits with every other field zero.
/// </summary>
public readonly record struct Instruction(byte OpCode, Register Destination, byte SourceBits, short Offset, int Immediate)
{
    public const int EncodedSize = 8;

    public void WriteTo(Span<byte> destination)
    {
        destination[0] = OpCode;
        destination[1] = (byte)(((SourceBits & 0x0f) << 4) | ((byte)Destination & 0x0f));
        BinaryPrimitives.WriteInt16LittleEndian(destination[2..], Offset);
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], Immediate);
    }

    public static byte Alu64(AluOp op, Source source) => (byte)((byte)op | (byte)source | (byte)InstructionClass.Alu64);

    public static byte Jump(JumpOp op, Source source) => (byte)((byte)op | (byte)source | (byte)InstructionClass.Jmp);

    public static byte Jump32(JumpOp op, Source source) => (byte)((byte)op | (byte)source | (byte)InstructionClass.Jmp32);

    public static byte LoadFromRegister(Size size) => (byte)((byte)Mode.Memory | (byte)size | (byte)InstructionClass.Ldx);

    /// <summary>ld_imm64 (BPF_LD | BPF_IMM | BPF_DW = 0x18).</summary>
    public static byte LoadImmediate64 => (byte)((byte)Mode.Immediate | (byte)Size.DoubleWord | (byte)InstructionClass.Ld);
}
