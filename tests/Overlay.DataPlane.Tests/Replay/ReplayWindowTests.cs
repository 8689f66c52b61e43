using Overlay.DataPlane.Replay;

namespace Overlay.DataPlane.Tests.Replay;

/// <summary>
/// Anti-replay table in the style of the kernel's and wireguard-go's replay tests (own vectors).
/// Each step is "seq" plus an expectation: '+' accepted and marked, '-' rejected,
/// '?' accepted by <see cref="ReplayWindow.CanAccept"/> but never marked (its ICV failed).
/// </summary>
public sealed class ReplayWindowTests
{
    [Theory]
    [InlineData("in order", 1024, "1+ 2+ 3+ 4+ 5+")]
    [InlineData("zero is never valid", 1024, "0- 1+ 0-")]
    [InlineData("duplicates", 1024, "1+ 1- 2+ 2- 1- 3+ 3-")]
    [InlineData("reordered inside the window", 1024, "10+ 5+ 7+ 5- 9+ 10- 1+ 1-")]
    [InlineData("lower edge of the window", 1024, "2000+ 976- 977+ 977- 1999+ 2001+ 977- 978+")]
    [InlineData("jump larger than the window", 1024, "1+ 5000+ 1- 3976- 3977+ 5000- 4999+")]
    [InlineData("jump exactly one window", 1024, "1+ 1025+ 1- 2+ 2-")]
    [InlineData("ring turns many times", 1024, "700+ 1400+ 2100+ 2800+ 3500+ 4200+ 4900+ 700- 4200- 3900+ 3876- 3877+ 3877-")]
    [InlineData("aliasing bit is cleared when the ring wraps", 1024, "100+ 2148+ 2148- 4196+ 4196- 3173+ 3172-")]
    [InlineData("ESN: crossing the 2^32 boundary", 1024, "4294967295+ 4294967296+ 4294967295- 4294967297+ 4294966274+ 4294966273- 4294967296-")]
    [InlineData("ESN: top of the 64-bit space", 1024, "18446744073709551614+ 18446744073709551613+ 18446744073709551614- 18446744073709550590- 18446744073709550591+")]
    [InlineData("larger window", 4096, "5000+ 904- 905+ 905- 4999+")]
    [InlineData("forged packets do not move the window", 1024, "1+ 100000? 2+ 3? 3+ 3-")]
    public void Sequence_table(string name, int window, string steps)
    {
        var replay = new ReplayWindow(window);
        int index = 0;
        foreach (string step in steps.Split(' '))
        {
            ulong seq = ulong.Parse(step[..^1]);
            char expect = step[^1];
            bool accepted = replay.CanAccept(seq);
            Assert.True(accepted == (expect != '-'), $"{name}: step {index} ({step}) CanAccept returned {accepted}");
            if (expect == '+')
            {
                Assert.True(replay.MarkAuthenticated(seq), $"{name}: step {index} ({step}) MarkAuthenticated refused");
            }

            index++;
        }
    }

    [Fact]
    public void Every_number_of_a_full_window_is_accepted_once()
    {
        var replay = new ReplayWindow(1024);
        for (ulong s = 1024; s >= 1; s--)
        {
            Assert.True(replay.MarkAuthenticated(s));
        }

        for (ulong s = 1; s <= 1024; s++)
        {
            Assert.False(replay.CanAccept(s));
        }

        Assert.True(replay.MarkAuthenticated(1025));
        Assert.False(replay.CanAccept(1)); // slid out
        Assert.False(replay.CanAccept(2)); // still inside, already seen
    }

    [Fact]
    public void Mark_refuses_a_number_that_became_stale_after_the_check()
    {
        var replay = new ReplayWindow(1024);
        Assert.True(replay.CanAccept(5));
        Assert.True(replay.MarkAuthenticated(5000));
        Assert.False(replay.MarkAuthenticated(5));
        Assert.Equal(5000UL, replay.Top);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(512)]
    [InlineData(1000)]
    [InlineData(1536)]
    [InlineData(1 << 17)]
    public void Rejects_window_sizes_below_1024_or_not_a_power_of_two(int size)
    {
        Assert.False(ReplayWindow.IsValidSize(size));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReplayWindow(size));
    }

    /// <summary>RFC 4303 Appendix A2.1: the receiver's guess of the high 32 bits.</summary>
    [Theory]
    [InlineData(0UL, 1U, 1UL)]
    [InlineData(100UL, 0xFFFFFF00U, 0x0_FFFFFF00UL)] // case B at the very start: no high half below 0
    [InlineData(0x1_0000_0005UL, 0xFFFFFF00U, 0x0_FFFFFF00UL)] // case B: late packet from before the wrap
    [InlineData(0x1_0000_0005UL, 0xFFFFFC05U, 0x1_FFFFFC05UL)] // case B: below the window edge means far ahead
    [InlineData(0x1_0000_0005UL, 3U, 0x1_0000_0003UL)]
    [InlineData(0x0_FFFF_FFFFUL, 0U, 0x1_0000_0000UL)] // case A: wrapped ahead
    [InlineData(0x0_FFFF_FFFFUL, 0xFFFFFC00U, 0x0_FFFFFC00UL)] // case A: bottom of the window
    [InlineData(0x0_FFFF_FFFFUL, 0xFFFFFBFFU, 0x1_FFFFFBFFUL)] // case A: just below the window = next subspace
    [InlineData(0x2_0000_1000UL, 0x0C01U, 0x2_0000_0C01UL)]
    [InlineData(0x2_0000_1000UL, 0x0C00U, 0x3_0000_0C00UL)]
    public void Infers_the_high_half_of_an_extended_sequence_number(ulong top, uint low, ulong expected)
    {
        var replay = new ReplayWindow(1024, top);
        Assert.Equal(expected, replay.InferEsn(low));
    }
}
