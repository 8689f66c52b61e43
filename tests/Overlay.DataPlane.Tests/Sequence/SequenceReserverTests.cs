using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Sequence;

namespace Overlay.DataPlane.Tests.Sequence;

public sealed class SequenceReserverTests : IDisposable
{
    private static readonly byte[] KeyMaterial = TestSas.Key(EspCipher.AesGcm128);
    private readonly TestStateDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void The_first_block_is_durable_before_open_returns_and_numbers_start_at_one()
    {
        using var reserver = new SequenceReserver(SequenceStateDirectory.Open(_dir.Path), block: 64);
        OutboundSequence sequence = reserver.Open(0x1101, KeyMaterial, extendedSequenceNumbers: true);

        Assert.Equal(64UL, SequenceStateDirectory.Open(_dir.Path).Load(SequenceStateKey.For(0x1101, KeyMaterial)));
        Assert.Equal(SequenceTake.Ok, sequence.TryNext(out ulong first));
        Assert.Equal(1UL, first);
        Assert.Equal(64UL, sequence.Reserved);
    }

    [Theory]
    [InlineData(0)] // killed before sending anything: the whole first block is skipped
    [InlineData(1)]
    [InlineData(31)] // one before the request point
    [InlineData(32)] // at it: the next block is asked for and never made durable
    [InlineData(63)]
    [InlineData(64)] // the reservation ran out
    [InlineData(200)] // several blocks reserved ahead on the way
    public void After_a_crash_the_next_run_continues_strictly_above_every_number_the_last_one_used(int used)
    {
        ulong highest = 0;
        {
            // No Dispose: a SIGKILL runs nothing.
            var run = new SequenceReserver(SequenceStateDirectory.Open(_dir.Path), block: 64);
            OutboundSequence sequence = run.Open(0x1101, KeyMaterial, extendedSequenceNumbers: true);
            for (int i = 0; i < used; i++)
            {
                if (sequence.TryNext(out ulong n) == SequenceTake.Ok)
                {
                    highest = Math.Max(highest, n);
                }
                else
                {
                    run.ReserveRequested(); // the reserver's thread, run here in between
                    i--;
                }
            }

            if (used % 3 == 0)
            {
                run.ReserveRequested(); // sometimes the next block was made durable before the kill, unused
            }
        }

        using var restarted = new SequenceReserver(SequenceStateDirectory.Open(_dir.Path), block: 64);
        OutboundSequence next = restarted.Open(0x1101, KeyMaterial, extendedSequenceNumbers: true);
        Assert.Equal(SequenceTake.Ok, next.TryNext(out ulong resumed));
        Assert.True(resumed > highest, $"resumed at {resumed}, the crashed run used up to {highest}");
        Assert.True(resumed - highest <= 64 + 64 + 1, $"skipped {resumed - highest - 1}: more than the reservation ahead");
    }

    [Fact]
    public void A_clean_restart_also_continues_above_the_mark_and_a_new_key_starts_from_one()
    {
        using (var run = new SequenceReserver(SequenceStateDirectory.Open(_dir.Path), block: 64))
        {
            run.Start();
            OutboundSequence sequence = run.Open(0x1101, KeyMaterial, extendedSequenceNumbers: true);
            Assert.Equal(SequenceTake.Ok, sequence.TryNext(out _));
        }

        using var restarted = new SequenceReserver(SequenceStateDirectory.Open(_dir.Path), block: 64);
        Assert.Equal(SequenceTake.Ok, restarted.Open(0x1101, KeyMaterial, true).TryNext(out ulong resumed));
        Assert.Equal(65UL, resumed);
        Assert.Equal(SequenceTake.Ok, restarted.Open(0x1101, TestSas.Key(EspCipher.AesGcm128, seed: 2), true).TryNext(out ulong otherKey));
        Assert.Equal(1UL, otherKey);
    }

    [Fact]
    public void The_packet_path_never_waits_for_the_disk_it_drops_until_the_next_block_is_durable()
    {
        using var store = new GatedStore(SequenceStateDirectory.Open(_dir.Path));
        using var reserver = new SequenceReserver(store, block: 64);
        reserver.Start();
        OutboundSequence sequence = reserver.Open(0x1101, KeyMaterial, true);
        store.Close(); // the disk stalls from now on

        var used = new List<ulong>();
        for (int i = 0; i < 64; i++)
        {
            Assert.Equal(SequenceTake.Ok, sequence.TryNext(out ulong n));
            used.Add(n);
        }

        Assert.True(store.WaitForHeldSave(TimeSpan.FromSeconds(10)), "the request point did not ask for the next block");
        var stalled = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < 1000; i++)
        {
            Assert.Equal(SequenceTake.NotReserved, sequence.TryNext(out _)); // the save is still held
        }

        Assert.True(stalled.Elapsed < TimeSpan.FromSeconds(1), $"1000 refusals took {stalled.Elapsed}");
        Assert.Equal(64UL, sequence.Last);

        store.Release();
        Assert.True(SpinWait.SpinUntil(() => sequence.Reserved == 128, TimeSpan.FromSeconds(10)));
        Assert.Equal(SequenceTake.Ok, sequence.TryNext(out ulong after));
        Assert.Equal(65UL, after); // nothing skipped, nothing reused
        Assert.Equal(used, Enumerable.Range(1, 64).Select(i => (ulong)i));
    }

    [Fact]
    public void A_failed_reservation_is_retried_and_the_counter_carries_on_when_the_disk_is_back()
    {
        using var store = new GatedStore(SequenceStateDirectory.Open(_dir.Path));
        using var reserver = new SequenceReserver(store, block: 8, retryDelay: TimeSpan.FromMilliseconds(20));
        reserver.Start();
        OutboundSequence sequence = reserver.Open(0x1101, KeyMaterial, true);
        store.Failing = true;

        for (int i = 0; i < 100 && sequence.TryNext(out _) == SequenceTake.Ok; i++)
        {
        }

        Assert.Equal(8UL, sequence.Last);
        Assert.True(SpinWait.SpinUntil(() => reserver.Failures >= 2, TimeSpan.FromSeconds(10)), "no retry");
        Assert.Equal(SequenceTake.NotReserved, sequence.TryNext(out _));

        store.Failing = false;
        Assert.True(SpinWait.SpinUntil(() => sequence.Reserved > 8, TimeSpan.FromSeconds(10)), "no recovery");
        Assert.Equal(SequenceTake.Ok, sequence.TryNext(out ulong n));
        Assert.Equal(9UL, n);
        Assert.Equal(sequence.Reserved, SequenceStateDirectory.Open(_dir.Path).Load(sequence.Key!.Value));
    }

    [Fact]
    public void Many_threads_get_each_number_once_and_never_one_beyond_the_durable_mark()
    {
        using var store = new GatedStore(SequenceStateDirectory.Open(_dir.Path));
        using var reserver = new SequenceReserver(store, block: 256);
        reserver.Start();
        OutboundSequence sequence = reserver.Open(0x1101, KeyMaterial, true);
        var taken = new System.Collections.Concurrent.ConcurrentBag<ulong>();
        long refused = 0;

        Parallel.For(0, 4, _ =>
        {
            for (int i = 0; i < 20_000; i++)
            {
                if (sequence.TryNext(out ulong n) == SequenceTake.Ok)
                {
                    taken.Add(n);
                }
                else
                {
                    Interlocked.Increment(ref refused);
                }
            }
        });

        ulong[] all = [.. taken.Order()];
        Assert.Equal(all.Length, all.Distinct().Count());
        ulong durable;
        lock (store.Saved)
        {
            durable = store.Saved.Max();
        }

        Assert.True(all[^1] <= durable, $"used {all[^1]} beyond the durable mark {durable}");
        Assert.Equal(80_000L, all.Length + refused);
    }

    [Fact]
    public void At_the_end_of_a_32_bit_space_the_counter_stops_and_a_used_up_key_is_refused_at_open()
    {
        var store = SequenceStateDirectory.Open(_dir.Path);
        SequenceStateKey key = SequenceStateKey.For(0x1101, KeyMaterial);
        store.Save(key, EspConstants.MaxSequence32 - 3);

        using (var reserver = new SequenceReserver(store, block: 64))
        {
            OutboundSequence sequence = reserver.Open(0x1101, KeyMaterial, extendedSequenceNumbers: false);
            Assert.Equal(EspConstants.MaxSequence32, sequence.Reserved); // the block is cut at the end of the space
            var taken = new List<SequenceTake>();
            for (int i = 0; i < 5; i++)
            {
                taken.Add(sequence.TryNext(out _));
            }

            Assert.Equal([SequenceTake.Ok, SequenceTake.Ok, SequenceTake.Ok, SequenceTake.Exhausted, SequenceTake.Exhausted], taken);
            Assert.Equal(EspConstants.MaxSequence32, sequence.Last);
        }

        using var restarted = new SequenceReserver(SequenceStateDirectory.Open(_dir.Path), block: 64);
        SequenceStateException e = Assert.Throws<SequenceStateException>(() => restarted.Open(0x1101, KeyMaterial, extendedSequenceNumbers: false));
        Assert.True(e.Exhausted);
        Assert.Contains("new key", e.Message, StringComparison.Ordinal);
        // With ESN the same key still has room above 2^32.
        Assert.Equal(SequenceTake.Ok, restarted.Open(0x1101, KeyMaterial, extendedSequenceNumbers: true).TryNext(out ulong esn));
        Assert.Equal((ulong)uint.MaxValue + 1, esn);
    }

    [Fact]
    public void Open_refuses_a_corrupt_record_and_an_unwritable_directory()
    {
        var store = SequenceStateDirectory.Open(_dir.Path);
        SequenceStateKey key = SequenceStateKey.For(0x1101, KeyMaterial);
        File.WriteAllText(store.Describe(key), "reserved 0\n");
        using var reserver = new SequenceReserver(store, block: 64);
        Assert.Throws<SequenceStateException>(() => reserver.Open(0x1101, KeyMaterial, true));
        Assert.Equal("reserved 0\n", File.ReadAllText(store.Describe(key)));

        if (TestStateDirectory.MakeUnwritable(_dir.Path))
        {
            Assert.Throws<SequenceStateException>(() => reserver.Open(0x2201, KeyMaterial, true)); // no record yet, none can be made
            TestStateDirectory.MakeWritable(_dir.Path);
        }
    }

    [Fact]
    public void The_same_spi_and_key_give_the_same_counter_so_an_sa_installed_again_continues()
    {
        using var reserver = new SequenceReserver(SequenceStateDirectory.Open(_dir.Path), block: 64);
        OutboundSequence a = reserver.Open(0x1101, KeyMaterial, true);
        Assert.Equal(SequenceTake.Ok, a.TryNext(out _));
        Assert.Same(a, reserver.Open(0x1101, KeyMaterial, true));
        Assert.NotSame(a, reserver.Open(0x1102, KeyMaterial, true));
        Assert.Throws<SequenceStateException>(() => reserver.Open(0x1101, KeyMaterial, false));
        Assert.Equal(2, reserver.Sequences.Count);
    }
}
