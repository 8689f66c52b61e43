namespace Overlay.DataPlane.Xdp.Asm;

/// <summary>
/// A tiny fluent eBPF assembler: instructions in order, jumps to named labels resolved when
/// <see cref="Build"/> runs (offsets count instructions after the jump, as the verifier does), and map
/// references recorded as relocations so that the bytes never depend on a file descriptor.
/// <code>
///   var p = new ProgramBuilder()
///       .LoadMemory(Size.Word, Register.R2, Register.R1, 16)
///       .JumpIf(JumpOp.NotEqual, Register.R2, 0, "pass")
///       .LoadMap(Register.R1, "xsks") ...
///       .Label("pass").MoveImmediate(Register.R0, 2).Exit();
/// </code>
/// Not thread-safe; build once.
/// </summary>
public sealed class ProgramBuilder
{
    private readonly List<Instruction> _instructions = [];
    private readonly Dictionary<string, int> _labels = new(StringComparer.Ordinal);
    private readonly List<(int Index, string Label)> _jumps = [];
    private readonly List<MapReference> _maps = [];

    public int Count => _instructions.Count;

    public ProgramBuilder MoveImmediate(Register destination, int value) =>
        Add(new Instruction(Instruction.Alu64(AluOp.Mov, Source.Immediate), destination, 0, 0, value));

    public ProgramBuilder Move(Register destination, Register source) =>
        Add(new Instruction(Instruction.Alu64(AluOp.Mov, Source.Register), destination, (byte)source, 0, 0));

    public ProgramBuilder AddImmediate(Register destination, int value) =>
        Add(new Instruction(Instruction.Alu64(AluOp.Add, Source.Immediate), destination, 0, 0, value));

    public ProgramBuilder AndImmediate(Register destination, int value) =>
        Add(new Instruction(Instruction.Alu64(AluOp.And, Source.Immediate), destination, 0, 0, value));

    /// <summary>destination = *(size *)(source + offset).</summary>
    public ProgramBuilder LoadMemory(Size size, Register destination, Register source, short offset) =>
        Add(new Instruction(Instruction.LoadFromRegister(size), destination, (byte)source, offset, 0));

    /// <summary>destination = the map named <paramref name="map"/> (ld_imm64 with BPF_PSEUDO_MAP_FD, two slots).</summary>
    public ProgramBuilder LoadMap(Register destination, string map)
    {
        _maps.Add(new MapReference(_instructions.Count, map));
        Add(new Instruction(Instruction.LoadImmediate64, destination, (byte)PseudoSource.MapFd, 0, 0));
        return Add(new Instruction(0, Register.R0, 0, 0, 0));
    }

    public ProgramBuilder Call(HelperFunction helper) =>
        Add(new Instruction(Instruction.Jump(JumpOp.Call, Source.Immediate), Register.R0, 0, 0, (int)helper));

    public ProgramBuilder Exit() => Add(new Instruction(Instruction.Jump(JumpOp.Exit, Source.Immediate), Register.R0, 0, 0, 0));

    /// <summary>if (destination OP value) goto label.</summary>
    public ProgramBuilder JumpIf(JumpOp op, Register destination, int value, string label)
    {
        _jumps.Add((_instructions.Count, label));
        return Add(new Instruction(Instruction.Jump(op, Source.Immediate), destination, 0, 0, value));
    }

    /// <summary>if ((u32)destination OP (u32)value) goto label: compares the low 32 bits only (no sign extension of the immediate).</summary>
    public ProgramBuilder JumpIf32(JumpOp op, Register destination, int value, string label)
    {
        _jumps.Add((_instructions.Count, label));
        return Add(new Instruction(Instruction.Jump32(op, Source.Immediate), destination, 0, 0, value));
    }

    /// <summary>if (destination OP source) goto label (registers, 64-bit; e.g. a packet bound check).</summary>
    public ProgramBuilder JumpIfRegister(JumpOp op, Register destination, Register source, string label)
    {
        _jumps.Add((_instructions.Count, label));
        return Add(new Instruction(Instruction.Jump(op, Source.Register), destination, (byte)source, 0, 0));
    }

    public ProgramBuilder Jump(string label)
    {
        _jumps.Add((_instructions.Count, label));
        return Add(new Instruction(Instruction.Jump(JumpOp.Always, Source.Immediate), Register.R0, 0, 0, 0));
    }

    /// <summary>Names the next instruction.</summary>
    public ProgramBuilder Label(string name)
    {
        if (!_labels.TryAdd(name, _instructions.Count))
        {
            throw new InvalidOperationException($"label '{name}' is defined twice");
        }

        return this;
    }

    /// <summary>The instructions with every jump offset resolved; throws for an undefined label.</summary>
    public BpfProgram Build()
    {
        var result = _instructions.ToArray();
        foreach ((int index, string label) in _jumps)
        {
            if (!_labels.TryGetValue(label, out int target))
            {
                throw new InvalidOperationException($"jump to undefined label '{label}'");
            }

            int offset = target - index - 1;
            result[index] = result[index] with { Offset = checked((short)offset) };
        }

        return new BpfProgram(result, [.. _maps]);
    }

    private ProgramBuilder Add(Instruction instruction)
    {
        _instructions.Add(instruction);
        return this;
    }
}

/// <summary>A map the program refers to: instruction <see cref="Index"/> is the ld_imm64 whose immediate gets the map fd.</summary>
public readonly record struct MapReference(int Index, string Map);

/// <summary>An assembled program: instructions and the map relocations to apply before loading.</summary>
public sealed class BpfProgram(Instruction[] instructions, MapReference[] maps)
{
    public IReadOnlyList<Instruction> Instructions { get; } = instructions;

    public IReadOnlyList<MapReference> Maps { get; } = maps;

    /// <summary>The program as bytes, map immediates 0 (identical on every machine).</summary>
    public byte[] ToBytes() => ToBytes(static _ => 0);

    /// <summary>The program as bytes with each map reference's immediate set to <paramref name="mapFd"/>(name).</summary>
    public byte[] ToBytes(Func<string, int> mapFd)
    {
        var bytes = new byte[Instructions.Count * Instruction.EncodedSize];
        for (int i = 0; i < Instructions.Count; i++)
        {
            Instructions[i].WriteTo(bytes.AsSpan(i * Instruction.EncodedSize));
        }

        foreach (MapReference map in Maps)
        {
            (Instructions[map.Index] with { Immediate = mapFd(map.Map) }).WriteTo(bytes.AsSpan(map.Index * Instruction.EncodedSize));
        }

        return bytes;
    }
}
