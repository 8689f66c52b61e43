using Overlay.Common.Toml;

namespace Overlay.Labels.Tests.Common.Toml;

public sealed class SuggestionsTests
{
    [Theory]
    [InlineData("vlan", "vlan", 0)]
    [InlineData("vlna", "vlan", 1)] // transposition
    [InlineData("valn", "vlan", 1)]
    [InlineData("vla", "vlan", 1)]
    [InlineData("vlans", "vlan", 1)]
    [InlineData("Name", "name", 1)]
    [InlineData("descrption", "description", 1)]
    [InlineData("cwtypes", "cw_types", 1)]
    [InlineData("guests", "guest", 1)]
    [InlineData("colour", "vlan", 5)]
    [InlineData("", "tvd", 3)]
    public void DistanceCountsEdits(string a, string b, int expected)
    {
        Assert.Equal(expected, Suggestions.Distance(a, b));
        Assert.Equal(expected, Suggestions.Distance(b, a));
    }

    [Fact]
    public void ClosestPicksTheNearestCandidate()
    {
        Assert.Equal("type", Suggestions.Closest("typ", ["types", "type", "vlan"]));
    }

    [Fact]
    public void NothingFartherThanTwoEditsIsSuggested()
    {
        Assert.Null(Suggestions.Closest("colour", ["name", "vlan", "label"]));
    }

    [Fact]
    public void ShortWordsAreNotMatchedToEverything()
    {
        // "id" is two edits from "tvd", but a two-edit match of a two-letter word is noise.
        Assert.Null(Suggestions.Closest("id", ["tvd"]));
    }
}
