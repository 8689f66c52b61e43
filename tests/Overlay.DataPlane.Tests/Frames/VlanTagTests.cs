using Overlay.DataPlane.Counters;
using Overlay.DataPlane.Frames;

namespace Overlay.DataPlane.Tests.Frames;

public sealed class VlanTagTests
{
    [Fact]
    public void Insert_puts_TPID_8100_and_the_VID_after_the_MACs()
    {
        byte[] frame = TestFrames.Frame(TestFrames.B, TestFrames.A);
        var tagged = new byte[frame.Length + 4];

        Assert.True(VlanTag.TryInsert(frame, 0x123, tagged, out int written));

        Assert.Equal(frame.Length + 4, written);
        Assert.Equal(frame[..12], tagged[..12]);
        Assert.Equal(new byte[] { 0x81, 0x00, 0x01, 0x23 }, tagged[12..16]);
        Assert.Equal(frame[12..], tagged[16..]);
        Assert.True(VlanTag.TryReadVlanId(tagged, out ushort vid));
        Assert.Equal(0x123, vid);
    }

    [Fact]
    public void Strip_restores_the_guest_frame_when_the_VID_matches()
    {
        byte[] frame = TestFrames.Frame(TestFrames.B, TestFrames.A);
        var tagged = new byte[frame.Length + 4];
        VlanTag.TryInsert(frame, 10, tagged, out _);

        Assert.Equal(DropReason.None, VlanTag.TryStripInPlace(tagged, 10, out Span<byte> untagged));
        Assert.Equal(frame, untagged.ToArray());
    }

    [Fact]
    public void Strip_reports_foreign_untagged_and_runt_frames()
    {
        byte[] frame = TestFrames.Frame(TestFrames.B, TestFrames.A);
        var tagged = new byte[frame.Length + 4];
        VlanTag.TryInsert(frame, 20, tagged, out _);

        Assert.Equal(DropReason.ForeignTag, VlanTag.TryStripInPlace(tagged, 10, out _));
        Assert.Equal(DropReason.Untagged, VlanTag.TryStripInPlace(frame, 10, out _));
        Assert.Equal(DropReason.Untagged, VlanTag.TryStripInPlace(frame.AsSpan(0, 15).ToArray(), 10, out _));
        Assert.Equal(DropReason.Runt, VlanTag.TryStripInPlace(tagged.AsSpan(0, 17).ToArray(), 10, out _));
        Assert.Equal(DropReason.Runt, VlanTag.TryStripInPlace(new byte[5], 10, out _));
    }

    [Fact]
    public void Insert_refuses_short_input_small_output_and_overlap()
    {
        byte[] frame = TestFrames.Frame(TestFrames.B, TestFrames.A);
        Assert.False(VlanTag.TryInsert(frame.AsSpan(0, 13), 10, new byte[64], out _));
        Assert.False(VlanTag.TryInsert(frame, 10, new byte[frame.Length + 3], out _));
        var shared = new byte[200];
        Assert.False(VlanTag.TryInsert(shared.AsSpan(0, 60), 10, shared.AsSpan(10), out _));
    }
}
