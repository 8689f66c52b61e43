using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using Overlay.DataPlane.Counters;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Sa;

namespace Overlay.DataPlane.Tests.Esp;

/// <summary>
/// Several threads on one SA: every packet sealed concurrently opens, no sequence number is handed
/// out twice, duplicates are accepted once, and removing the SA under load ends in SaExpired results.
/// </summary>
public sealed class EspSaConcurrencyTests
{
    private const int Threads = 4;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Fact]
    public void Packets_sealed_from_4_threads_all_open_with_unique_sequence_numbers()
    {
        const int perThread = 500;
        (EspSa outbound, EspSa inbound) = WidePair();
        var packets = new ConcurrentBag<(byte[] Packet, byte[] Payload)>();

        RunOnThreads(t =>
        {
            for (int i = 0; i < perThread; i++)
            {
                byte[] payload = TestSas.Payload(64 + (i % 300), seed: (byte)(t * 50 + i));
                var packet = new byte[EspSa.GetSealedLength(payload.Length)];
                Assert.Equal(EspSealStatus.Ok, outbound.Seal(payload, EspConstants.NextHeaderEtherIp, packet, out _));
                packets.Add((packet, payload));
            }
        });

        uint[] sequences = packets.Select(p => BinaryPrimitives.ReadUInt32BigEndian(p.Packet.AsSpan(4))).Order().ToArray();
        Assert.Equal(Enumerable.Range(1, Threads * perThread).Select(i => (uint)i), sequences);
        Assert.Equal((ulong)(Threads * perThread), outbound.LastSequence);
        Assert.Equal(Threads * perThread, outbound.Traffic.Packets);

        foreach ((byte[] packet, byte[] payload) in packets)
        {
            var inner = new byte[packet.Length];
            Assert.Equal(EspOpenResult.Ok, inbound.TryOpen(packet, inner, out int length, out _));
            Assert.Equal(payload, inner[..length]);
        }
    }

    [Fact]
    public void Packets_opened_from_4_threads_each_twice_are_accepted_exactly_once()
    {
        const int count = 800;
        (EspSa outbound, EspSa inbound) = WidePair();
        var packets = new byte[count][];
        for (int i = 0; i < count; i++)
        {
            packets[i] = new byte[EspSa.GetSealedLength(200)];
            Assert.True(outbound.TrySeal(TestSas.Payload(200), EspConstants.NextHeaderEtherIp, packets[i], out _));
        }

        var results = new ConcurrentBag<EspOpenResult>();

        // Each packet goes to two threads (t and t + 2 take the same half), so every one races its copy.
        RunOnThreads(t =>
        {
            var inner = new byte[packets[0].Length];
            for (int i = t % 2; i < count; i += 2)
            {
                results.Add(inbound.TryOpen(packets[i], inner, out _, out _));
            }
        });

        Assert.Equal(count, results.Count(r => r == EspOpenResult.Ok));
        Assert.Equal(count, results.Count(r => r == EspOpenResult.Replay));
        Assert.Equal(count, inbound.Drops[DropReason.Replay]);
        Assert.Equal(count, inbound.Traffic.Packets);
        Assert.Equal((ulong)count, inbound.Window!.Top);
    }

    [Fact]
    public void Forged_packets_opened_concurrently_are_all_counted_as_AuthFailed()
    {
        (EspSa outbound, EspSa inbound) = WidePair();
        var forged = new byte[Threads * 100][];
        for (int i = 0; i < forged.Length; i++)
        {
            forged[i] = new byte[EspSa.GetSealedLength(300)];
            Assert.True(outbound.TrySeal(TestSas.Payload(300), EspConstants.NextHeaderEtherIp, forged[i], out _));
            forged[i][^(1 + (i % 16))] ^= 0x80; // a different ICV byte each time
        }

        RunOnThreads(t =>
        {
            var inner = new byte[forged[0].Length];
            for (int i = t; i < forged.Length; i += Threads)
            {
                Assert.Equal(EspOpenResult.AuthFailed, inbound.TryOpen(forged[i], inner, out _, out _));
            }
        });

        Assert.Equal(forged.Length, inbound.Drops[DropReason.AuthFailed]);
        Assert.Equal(0UL, inbound.Window!.Top);
    }

    [Fact]
    public void Disposing_an_SA_while_other_threads_seal_and_open_ends_in_SaExpired_never_a_crash()
    {
        for (int round = 0; round < 20; round++)
        {
            (EspSa outbound, EspSa inbound) = TestSas.Pair();
            byte[] template = new byte[EspSa.GetSealedLength(1400)];
            Assert.True(outbound.TrySeal(TestSas.Payload(1400), EspConstants.NextHeaderEtherIp, template, out _));
            var sealResults = new ConcurrentBag<EspSealStatus>();
            var openResults = new ConcurrentBag<EspOpenResult>();
            using var started = new CountdownEvent(Threads);

            Thread[] workers = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
            {
                byte[] payload = TestSas.Payload(1400);
                var packet = new byte[template.Length];
                var inner = new byte[template.Length];
                var clock = Stopwatch.StartNew();
                started.Signal();
                while (clock.Elapsed < Bound)
                {
                    if (t % 2 == 0)
                    {
                        EspSealStatus status = outbound.Seal(payload, EspConstants.NextHeaderEtherIp, packet, out _);
                        sealResults.Add(status);
                        if (status != EspSealStatus.Ok)
                        {
                            break;
                        }
                    }
                    else
                    {
                        template.CopyTo(packet, 0);
                        EspOpenResult result = inbound.TryOpen(packet, inner, out _, out _);
                        openResults.Add(result);
                        if (result is not (EspOpenResult.Ok or EspOpenResult.Replay))
                        {
                            break;
                        }
                    }
                }
            })).ToArray();

            foreach (Thread worker in workers)
            {
                worker.Start();
            }

            Assert.True(started.Wait(Bound));
            Thread.Sleep(round % 5);
            outbound.Dispose();
            inbound.Dispose();
            foreach (Thread worker in workers)
            {
                Assert.True(worker.Join(Bound + TimeSpan.FromSeconds(5)));
            }

            // Every worker stopped on SaExpired (it saw the expiry flag or the freed-context flag).
            Assert.Equal(Threads / 2, sealResults.Count(s => s == EspSealStatus.SaExpired));
            Assert.All(sealResults, s => Assert.True(s is EspSealStatus.Ok or EspSealStatus.SaExpired, s.ToString()));
            Assert.Equal(Threads / 2, openResults.Count(r => r == EspOpenResult.SaExpired));
            Assert.All(openResults, r => Assert.True(r is EspOpenResult.Ok or EspOpenResult.Replay or EspOpenResult.SaExpired, r.ToString()));
            Assert.Equal(EspSealStatus.SaExpired, outbound.Seal(TestSas.Payload(10), 97, new byte[100], out _));
        }
    }

    /// <summary>A pair whose replay window holds every packet of a test, so arrival order cannot matter.</summary>
    private static (EspSa Out, EspSa In) WidePair() =>
        (EspSa.Create(TestSas.Descriptor(SaDirection.Outbound, window: 4096)), EspSa.Create(TestSas.Descriptor(SaDirection.Inbound, window: 4096)));

    private static void RunOnThreads(Action<int> body)
    {
        var errors = new ConcurrentQueue<Exception>();
        using var go = new ManualResetEventSlim();
        Thread[] threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            go.Wait(Bound);
            try
            {
                body(t);
            }
            catch (Exception e)
            {
                errors.Enqueue(e);
            }
        })).ToArray();
        foreach (Thread thread in threads)
        {
            thread.Start();
        }

        go.Set();
        foreach (Thread thread in threads)
        {
            Assert.True(thread.Join(Bound));
        }

        Assert.Empty(errors);
    }
}
