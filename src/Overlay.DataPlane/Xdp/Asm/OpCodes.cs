namespace Overlay.DataPlane.Xdp.Asm;

/// <summary>
/// The eBPF opcode byte (linux/bpf_common.h, linux/bpf.h; Documentation/bpf/standardization/instruction-set.rst).
/// <code>
///   ALU/JMP:  +--------+----+-----+       LD/ST:  +------+------+-----+
///             | op (4) | s  | cls |               | mode | size | cls |
///             +--------+----+-----+               +------+------+-----+
///              7     4   3   2   0                 7   5  4   3  2   0
/// </code>
/// s (source) selects the immediate (K) or the source register (X).
/// </summary>
public enum InstructionClass : byte
{
    Ld = 0x00,
    Ldx = 0x01,
    St = 0x02,
    Stx = 0x03,
    Alu = 0x04,
    Jmp = 0x05,
    Jmp32 = 0x06,
    Alu64 = 0x07,
}

/// <summary>Bit 3 of ALU and jump opcodes: operand from the immediate (K) or the source register (X).</summary>
public enum Source : byte
{
    Immediate = 0x00,
    Register = 0x08,
}

/// <summary>Bits 3–4 of load/store opcodes: access width.</summary>
public enum Size : byte
{
    Word = 0x00,
    Half = 0x08,
    Byte = 0x10,
    DoubleWord = 0x18,
}

/// <summary>Bits 5–7 of load/store opcodes: addressing mode.</summary>
public enum Mode : byte
{
    Immediate = 0x00,
    Memory = 0x60,
}

/// <summary>Bits 4–7 of ALU opcodes.</summary>
public enum AluOp : byte
{
    Add = 0x00,
    Sub = 0x10,
    And = 0x50,
    Or = 0x40,
    Lsh = 0x60,
    Rsh = 0x70,
    Mov = 0xb0,
}

/// <summary>Bits 4–7 of jump opcodes.</summary>
public enum JumpOp : byte
{
    Always = 0x00,
    Equal = 0x10,
    Greater = 0x20,
    GreaterOrEqual = 0x30,
    NotEqual = 0x50,
    Call = 0x80,
    Exit = 0x90,
    Less = 0xa0,
}

/// <summary>eBPF registers: R0 return value, R1–R5 arguments (R1 = context at entry), R6–R9 callee-saved, R10 frame pointer.</summary>
public enum Register : byte
{
    R0 = 0,
    R1 = 1,
    R2 = 2,
    R3 = 3,
    R4 = 4,
    R5 = 5,
    R6 = 6,
    R7 = 7,
    R8 = 8,
    R9 = 9,
    R10 = 10,
}

/// <summary>Helper function ids (enum bpf_func_id in linux/bpf.h) used by our programs.</summary>
public enum HelperFunction
{
    MapLookupElem = 1,
    RedirectMap = 51,
}

/// <summary>Source-register values of the wide ld_imm64 instruction (linux/bpf.h).</summary>
public enum PseudoSource : byte
{
    None = 0,

    /// <summary>BPF_PSEUDO_MAP_FD: the immediate is a map file descriptor, replaced by the map at load time.</summary>
    MapFd = 1,
}
