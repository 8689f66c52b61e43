using Overlay.Ike.Sa;
using Overlay.Ike.Tests.Fixtures;

namespace Overlay.Ike.Tests.Sa;

/// <summary>
/// Reassembly memory follows the fragments received, not the Total Fragments a fragment claims
/// (issue 12, item 1): one authenticated 100-octet fragment saying "1 of 4096" — which any host that
/// finished IKE_SA_INIT with us can send in IKE_AUTH — costs a few hundred bytes, not 4096 slots.
/// </summary>
public sealed class FragmentReassemblyAllocationBoundTests
{
    private static readonly FragmentationOptions Options = new(MaxFragments: IkeConstants.MaxFragmentsCeiling);

    [Fact]
    public void One_fragment_claiming_the_largest_total_costs_in_proportion_to_itself()
    {
        var content = new byte[60];
        var datagram = new byte[100];
        var now = DateTimeOffset.UnixEpoch;
        var allocated = AllocationMeter.AssertBounded(content.Length + datagram.Length, () =>
        {
            var r = new FragmentReassembly(7, IkeConstants.MaxFragmentsCeiling, now, Options);
            Assert.Equal(FragmentResult.Kept, r.Add(1, IkeConstants.MaxFragmentsCeiling, IkePayloadType.Delete, content, datagram));
        });

        Assert.True(allocated < IkeConstants.MaxFragmentsCeiling * 8, $"{allocated} bytes: slots were sized by Total Fragments");
    }

    [Fact]
    public void Total_fragments_rising_fragment_by_fragment_does_not_reallocate_slots_each_time()
    {
        // Fragment k of k, for k = 1..4096: each larger Total restarts reassembly (RFC 7383 §2.6).
        var content = new byte[16];
        var datagram = new byte[48];
        var now = DateTimeOffset.UnixEpoch;
        const int steps = IkeConstants.MaxFragmentsCeiling;
        var allocated = AllocationMeter.AssertBounded(steps * (content.Length + datagram.Length), () =>
        {
            var r = new FragmentReassembly(7, 1, now, Options);
            for (var k = 2; k <= steps; k++)
            {
                r.Add((ushort)k, (ushort)k, IkePayloadType.Delete, content, datagram);
            }

            Assert.Equal(1, r.Received);
        });
        Assert.True(allocated < 1 << 20, $"{allocated} bytes");
    }

    [Fact]
    public void A_complete_message_assembles_in_order_with_its_datagrams()
    {
        var r = new FragmentReassembly(7, 3, DateTimeOffset.UnixEpoch, Options);
        Assert.Equal(FragmentResult.Kept, r.Add(3, 3, IkePayloadType.NoNextPayload, [5, 6], [30]));
        Assert.Equal(FragmentResult.Kept, r.Add(1, 3, IkePayloadType.Delete, [1, 2], [10]));
        Assert.Equal(FragmentResult.Duplicate, r.Add(1, 3, IkePayloadType.Delete, [9, 9], [11]));
        Assert.Equal(FragmentResult.Complete, r.Add(2, 3, IkePayloadType.NoNextPayload, [3, 4], [20]));
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6 }, r.Assemble());
        Assert.Equal(IkePayloadType.Delete, r.FirstInnerPayload);
        Assert.Equal(new byte[]?[] { [10], [20], [30] }, r.Datagrams);
    }
}
