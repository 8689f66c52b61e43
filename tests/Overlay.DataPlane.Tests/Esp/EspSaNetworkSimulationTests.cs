using System.Buffers.Binary;
using Overlay.DataPlane.Esp;

namespace Overlay.DataPlane.Tests.Esp;

/// <summary>
/// A lossy, reordering, duplicating link between an SA pair, across the ESN 2^32 boundary: every
/// packet that arrives is delivered exactly once, duplicates are refused as replays, nothing fails
/// authentication.
/// </summary>
public sealed class EspSaNetworkSimulationTests
{
    [Theory]
    [InlineData(1, 0xFFFF_FA00UL)]
    [InlineData(2, 0x7_FFFF_FC00UL)]
    [InlineData(3, 0UL)]
    public void Reordered_duplicated_and_lost_packets_are_each_delivered_at_most_once(int seed, ulong startSequence)
    {
        const int Count = 3000;
        const int MaxReorder = 600; // less than the 1024 window: nothing may be refused as too old
        (EspSa outbound, EspSa inbound) = TestSas.Pair(esn: true);
        outbound.PrimeOutboundSequence(startSequence);
        inbound.PrimeReplayWindow(startSequence);
        var random = new Random(seed);

        // Sender: packet i carries its index as payload.
        var sent = new List<(double Arrival, int Index, byte[] Packet)>();
        for (int i = 0; i < Count; i++)
        {
            var payload = new byte[8 + random.Next(0, 200)];
            BinaryPrimitives.WriteInt32BigEndian(payload, i);
            var packet = new byte[EspSa.GetSealedLength(payload.Length)];
            Assert.True(outbound.TrySeal(payload, 97, packet, out _));

            if (random.NextDouble() < 0.05)
            {
                continue; // lost
            }

            sent.Add((i + random.NextDouble() * MaxReorder, i, packet));
            if (random.NextDouble() < 0.10)
            {
                sent.Add((i + random.NextDouble() * MaxReorder, i, packet)); // duplicated
            }
        }

        var delivered = new HashSet<int>();
        int replays = 0;
        var inner = new byte[512];
        foreach ((_, int index, byte[] packet) in sent.OrderBy(s => s.Arrival))
        {
            EspOpenResult result = inbound.TryOpen(packet, inner, out int length, out _);
            if (result == EspOpenResult.Replay)
            {
                replays++;
                continue;
            }

            Assert.Equal(EspOpenResult.Ok, result);
            Assert.Equal(index, BinaryPrimitives.ReadInt32BigEndian(inner.AsSpan(0, length)));
            Assert.True(delivered.Add(index), $"packet {index} delivered twice");
        }

        int unique = sent.Select(s => s.Index).Distinct().Count();
        Assert.Equal(unique, delivered.Count);
        Assert.Equal(sent.Count - unique, replays);
        Assert.Equal(0, inbound.Drops[Overlay.DataPlane.Counters.DropReason.AuthFailed]);
        Assert.Equal(startSequence + Count, outbound.LastSequence);
    }
}
