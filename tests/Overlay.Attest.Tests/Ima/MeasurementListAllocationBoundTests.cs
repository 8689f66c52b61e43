using Overlay.Attest.Ima;
using Overlay.Attest.Tests.Fixtures;

namespace Overlay.Attest.Tests.Ima;

/// <summary>
/// An ima-ng binary list (a peer's evidence, or a file) of the smallest entries the format allows
/// allocates in proportion to its octets (issue 12, item 1); its length fields are checked against
/// what remains before any copy.
/// </summary>
public sealed class MeasurementListAllocationBoundTests
{
    [Fact]
    public void List_of_minimal_entries_is_read_within_the_bound()
    {
        // pcr u32 | hash[20] | name length 1 | "x" | data length 0: 33 octets per entry.
        byte[] entry = [10, 0, 0, 0, .. new byte[20], 1, 0, 0, 0, (byte)'x', 0, 0, 0, 0];
        var data = new byte[65_535 / entry.Length * entry.Length];
        for (var i = 0; i < data.Length; i += entry.Length)
        {
            entry.CopyTo(data, i);
        }

        Assert.True(MeasurementList.TryParse(data, out var list, out var error), error);
        Assert.Equal(data.Length / entry.Length, list.Entries.Count);
        AllocationMeter.AssertBounded(data.Length, () => MeasurementList.TryParse(data, out _, out _));
    }

    [Fact]
    public void Entry_claiming_a_megabyte_of_template_data_in_a_short_list_is_refused_within_the_bound()
    {
        byte[] data = [10, 0, 0, 0, .. new byte[20], 6, 0, 0, 0, .. "ima-ng"u8, 0, 0, 0x10, 0, 1, 2, 3];
        Assert.False(MeasurementList.TryParse(data, out _, out var error));
        Assert.Contains("exceeds what remains", error);
        AllocationMeter.AssertBounded(data.Length, () => MeasurementList.TryParse(data, out _, out _));
    }
}
