using System.Buffers.Binary;
using System.Net;
using Microsoft.Extensions.Time.Testing;
using Overlay.DataPlane.Counters;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Frames;

namespace Overlay.Fuzz.Targets;

/// <summary>
/// What the underlay receive loop does with ESP on one inbound EtherIP SA whose key the harness knows: open (ICV),
/// the anti-replay window, EtherIP and 802.1Q decapsulation, the frame check. An input is a sequence of records
/// <c>op (1) | sequence (4) | length (2) | bytes</c>: an even op seals the bytes as the inner payload (EtherIP, next
/// header 97) with that sequence number (the high 32 bits from op &gt;&gt; 4) and the SA's key, so the fuzzer reaches
/// everything behind the ICV; an odd op hands the bytes over as an ESP packet as they are. Oracles: a sequence number
/// is never accepted twice (replay), an accepted frame is the sealed one without its EtherIP header and tag, and
/// opening allocates nothing.
/// </summary>
public sealed class EspOpenTarget : FuzzTarget
{
    public const ushort VlanId = 10;
    private const int RecordHeader = 7;
    private const int MaxPacket = 16 * 1024;

    private static readonly IPEndPoint Peer = new(IPAddress.Parse("192.0.2.2"), 4500);

    private readonly byte[] _packet = new byte[MaxPacket];
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private EspSa? _sealer;

    public override string Name => "esp-open";

    public override string TestProject => "Overlay.DataPlane.Tests";

    public override string Description => "ESP records sealed with a known key or raw: open, replay, EtherIP/802.1Q decap; no replay, frame intact, 0 B";

    public static byte[] Key()
    {
        var key = new byte[16 + EspConstants.GcmSaltSize];
        for (var i = 0; i < key.Length; i++)
        {
            key[i] = (byte)(1 + i * 7);
        }

        return key;
    }

    private static SaDescriptor Descriptor(SaDirection direction) =>
        new(Peer, VlanId, "red", direction, 0x1000, EspCipher.AesGcm128, Key(), InnerMode.EtherIp, default, true, EspConstants.MinReplayWindow);

    protected override void Execute(ReadOnlySpan<byte> input)
    {
        // SealCore keeps no state, so one sealer serves every input; the opener (its replay window) is new each time.
        var sealer = _sealer ??= EspSa.Create(Descriptor(SaDirection.Outbound), _time);
        using var opener = EspSa.Create(Descriptor(SaDirection.Inbound), _time);
        var accepted = new HashSet<ulong>();
        while (input.Length >= RecordHeader)
        {
            var op = input[0];
            var sequence = ((ulong)(op >> 4) << 32) | BinaryPrimitives.ReadUInt32BigEndian(input[1..]);
            var length = Math.Min(BinaryPrimitives.ReadUInt16BigEndian(input[5..]), input.Length - RecordHeader);
            var bytes = input.Slice(RecordHeader, length);
            input = input[(RecordHeader + length)..];
            var packetLength = bytes.Length;
            if ((op & 1) == 0)
            {
                if (sequence == 0 || EspSa.GetSealedLength(bytes.Length) > MaxPacket
                    || sealer.SealCore(sequence, sequence, bytes, EspConstants.NextHeaderEtherIp, _packet, out packetLength) != EspSealStatus.Ok)
                {
                    continue;
                }
            }
            else if (bytes.Length <= MaxPacket)
            {
                bytes.CopyTo(_packet);
            }
            else
            {
                continue;
            }

            var start = Oracles.AllocatedBytes();
            var result = EtherIpTunnel.Decapsulate(opener, _packet.AsSpan(0, packetLength), out var frame);
            Oracles.CheckAllocation("EtherIpTunnel.Decapsulate", start, packetLength, 0, 0);
            if (result != DropReason.None || (op & 1) != 0)
            {
                continue;
            }

            // Authenticated: the window must not have let this sequence number in before.
            Oracles.Check(accepted.Add(sequence), $"sequence {sequence} accepted twice");
            if (frame.Length > 0)
            {
                // The guest frame is the sealed inner minus EtherIP (2) and the 802.1Q tag (4 octets at 12).
                var inner = bytes[EtherIpHeader.Size..];
                Oracles.Check(frame.Length == inner.Length - VlanTag.Size
                    && frame[..12].SequenceEqual(inner[..12]) && frame[12..].SequenceEqual(inner[(12 + VlanTag.Size)..]),
                    "an opened frame differs from the sealed one without its EtherIP header and tag");
            }
        }
    }

    public override IEnumerable<(string Name, byte[] Data)> Seeds(string repositoryRoot)
    {
        // Guest frames as they cross the tunnel: ICMP and a TCP segment, tagged with the TVD's VLAN.
        byte[][] frames = [GuestFrameTarget.Icmp(), GuestFrameTarget.Tcp(1200)];
        var records = new List<byte>();
        uint sequence = 1;
        foreach (var frame in frames)
        {
            var tagged = new byte[frame.Length + VlanTag.Size];
            VlanTag.TryInsert(frame, VlanId, tagged, out var written);
            byte[] inner = [0x30, 0x00, .. tagged.AsSpan(0, written)];
            records.AddRange(Record(0, sequence++, inner));
        }

        yield return ("two-frames", [.. records]);
        // The same sequence again (a replay), one from below the window, and a raw packet.
        var inner0 = records.Skip(RecordHeader).Take(BinaryPrimitives.ReadUInt16BigEndian([.. records.Skip(5).Take(2)])).ToArray();
        yield return ("replay", [.. Record(0, 2000, inner0), .. Record(0, 2000, inner0), .. Record(0, 5, inner0), .. Record(1, 0, [0, 0, 0x10, 0, 0, 0, 0, 9])]);
    }

    private static byte[] Record(byte op, uint sequence, ReadOnlySpan<byte> bytes)
    {
        var record = new byte[RecordHeader + bytes.Length];
        record[0] = op;
        BinaryPrimitives.WriteUInt32BigEndian(record.AsSpan(1), sequence);
        BinaryPrimitives.WriteUInt16BigEndian(record.AsSpan(5), (ushort)bytes.Length);
        bytes.CopyTo(record.AsSpan(RecordHeader));
        return record;
    }
}
