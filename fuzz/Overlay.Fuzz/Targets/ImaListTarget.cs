using System.Security.Cryptography;
using Overlay.Attest.Ima;

namespace Overlay.Fuzz.Targets;

/// <summary>
/// A measurement list in the kernel's binary ima-ng layout (binary_runtime_measurements), as a peer's evidence
/// carries it and as the daemon reads the kernel's and its own. Oracles: a list that parses writes back to exactly
/// the input (the layout has one encoding), its ASCII form renders, and parsing stays within an allocation bound.
/// </summary>
public sealed class ImaListTarget : FuzzTarget
{
    public const int AllocationPerByte = 8;
    public const int AllocationFixed = 16 * 1024;

    public override string Name => "ima-list";

    public override string TestProject => "Overlay.Attest.Tests";

    public override string Description => "binary ima-ng measurement list: parse, write back identical, ASCII form, allocation bound";

    protected override void Execute(ReadOnlySpan<byte> input)
    {
        var start = Oracles.AllocatedBytes();
        var parsed = MeasurementList.TryParse(input, out var list, out _);
        Oracles.CheckAllocation("MeasurementList.TryParse", start, input.Length, AllocationPerByte, AllocationFixed);
        if (parsed)
        {
            Oracles.SameBytes("measurement list", input, list.ToBinary());
            list.ToAscii();
        }
    }

    public override IEnumerable<(string Name, byte[] Data)> Seeds(string repositoryRoot)
    {
        // What the daemon's measurer records (boot_aggregate, itself, its config, a guest image), and the kernel's
        // own list where this machine has IMA.
        var entries = new List<ImaNgEntry>
        {
            ImaNgEntry.Create(10, "sha256", SHA256.HashData("boot"u8), "boot_aggregate"),
            ImaNgEntry.Create(10, "sha256", SHA256.HashData("tvd-overlayd"u8), "/usr/local/bin/tvd-overlayd"),
            ImaNgEntry.Create(10, "sha1", SHA1.HashData("overlayd.toml"u8), "/etc/tvd-overlay/overlayd.toml"),
            ImaNgEntry.Create(11, "sha512", SHA512.HashData("guest"u8), "/var/lib/libvirt/images/guest-" + new string('x', 40) + ".qcow2"),
        };
        yield return ("measurer", new MeasurementList(entries).ToBinary());
        yield return ("one-entry", new MeasurementList([entries[1]]).ToBinary());
        const string kernel = "/sys/kernel/security/ima/binary_runtime_measurements";
        if (File.Exists(kernel))
        {
            var bytes = File.ReadAllBytes(kernel);
            yield return ("kernel", bytes[..Math.Min(bytes.Length, 64 * 1024)]);
        }

    }
}
