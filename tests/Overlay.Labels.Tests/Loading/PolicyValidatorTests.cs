using Overlay.Labels.Model;

namespace Overlay.Labels.Tests.Loading;

public sealed class PolicyValidatorTests
{
    /// <summary>
    /// <see cref="LoadAssert.Base"/> plus two networks, a conflict set and two guests in it, on lines 12-32;
    /// text appended starts on line 33.
    /// </summary>
    private const string World = LoadAssert.Base + """
        [[network]]
        name = "red-net"
        tvd = "red"

        [[network]]
        name = "blue-net"
        tvd = "blue"

        [[conflict_set]]
        name = "car-rental"
        types = ["hertz", "avis"]

        [[guest]]
        name = "hertz-web"
        types = ["red"]
        cw_types = ["hertz"]

        [[guest]]
        name = "avis-web"
        types = ["blue"]
        cw_types = ["avis"]

        """;

    [Fact]
    public void WorldIsValid()
    {
        var policy = LoadAssert.Clean(World);

        Assert.Equal(2, policy.Guests.Count);
    }

    [Theory]
    [InlineData("[[tvd]]\nname = \"red\"\nvlan = 103\ntype = \"other\"\nlabel = \"tvd:other\"\n", 34, "duplicate TVD name `red` (first defined on line 6)")]
    [InlineData("[[guest]]\nname = \"hertz-web\"\ntypes = [\"red\"]\n", 34, "duplicate guest name `hertz-web` (first defined on line 25)")]
    [InlineData("[[network]]\nname = \"red-net\"\ntvd = \"red\"\n", 34, "duplicate network name `red-net` (first defined on line 13)")]
    [InlineData("[[conflict_set]]\nname = \"car-rental\"\ntypes = [\"hertz\", \"avis\"]\n", 34, "duplicate conflict set name `car-rental` (first defined on line 21)")]
    [InlineData("[[volume]]\nname = \"v\"\ntypes = [\"red\"]\n[[volume]]\nname = \"v\"\ntypes = [\"blue\"]\n", 37, "duplicate volume name `v` (first defined on line 34)")]
    [InlineData("[[host]]\nname = \"h\"\ntypes = [\"*\"]\n[[host]]\nname = \"h\"\ntypes = [\"red\"]\n", 37, "duplicate host name `h` (first defined on line 34)")]
    public void DuplicateNameWithinAKindIsReportedAtTheSecond(string appended, int line, string message)
    {
        LoadAssert.SingleError(World + appended, line, 8, message);
    }

    [Fact]
    public void SameNameInDifferentKindsIsAllowed()
    {
        LoadAssert.Clean(World + "[[network]]\nname = \"red\"\ntvd = \"red\"\n[[host]]\nname = \"red\"\ntypes = [\"red\"]\n");
    }

    [Fact]
    public void TwoTvdsOnOneVlanAreRejected()
    {
        LoadAssert.SingleError(World + "[[tvd]]\nname = \"green\"\nvlan = 101\n", 35, 8,
            "VLAN id 101 of TVD `green` is already used by TVD `red` (line 7)");
    }

    [Fact]
    public void TwoTvdsWithOneSteTypeAreRejected()
    {
        // red's type is its name (line 6), so that is where the first use is.
        LoadAssert.SingleError(World + "[[tvd]]\nname = \"green\"\nvlan = 103\ntype = \"red\"\n", 36, 8,
            "STE type `red` of TVD `green` is already the type of TVD `red` (line 6)");
    }

    [Fact]
    public void TwoTvdsWithOneWireLabelAreRejected()
    {
        LoadAssert.SingleError(World + "[[tvd]]\nname = \"green\"\nvlan = 103\nlabel = \"tvd:blue\"\n", 36, 9,
            "wire label `tvd:blue` of TVD `green` is already used by TVD `blue` (line 10)");
    }

    [Fact]
    public void NetworkOfUnknownTvdSuggestsTheClosest()
    {
        LoadAssert.SingleError(World + "[[network]]\nname = \"x-net\"\ntvd = \"rde\"\n", 35, 7,
            "network `x-net` names unknown TVD `rde`; did you mean `red`?");
    }

    [Fact]
    public void GuestWithUnknownTypeSuggestsTheClosest()
    {
        LoadAssert.SingleError(World + "[[guest]]\nname = \"g\"\ntypes = [\"bleu\"]\n", 35, 10,
            "guest `g` names unknown STE type `bleu`; did you mean `blue`?");
    }

    [Fact]
    public void GuestWithUnknownTypeFarFromAnyListsTheKnownTypes()
    {
        LoadAssert.SingleError(World + "[[guest]]\nname = \"g\"\ntypes = [\"purple\"]\n", 35, 10,
            "guest `g` names unknown STE type `purple` (known: red, blue)");
    }

    [Fact]
    public void GuestListingAChineseWallTypeAsSteTypeIsToldWhereItBelongs()
    {
        LoadAssert.SingleError(World + "[[guest]]\nname = \"g\"\ntypes = [\"red\", \"hertz\"]\n", 35, 17,
            "guest `g` lists `hertz` in `types`, but it is a Chinese Wall type", "list it in `cw_types`");
    }

    [Fact]
    public void GuestWithUnknownChineseWallTypeSuggestsTheClosest()
    {
        LoadAssert.SingleError(World + "[[guest]]\nname = \"g\"\ntypes = [\"red\"]\ncw_types = [\"herz\"]\n", 36, 13,
            "guest `g` names unknown Chinese Wall type `herz`; did you mean `hertz`?");
    }

    [Fact]
    public void GuestListingAnSteTypeInCwTypesIsRejected()
    {
        LoadAssert.SingleError(World + "[[guest]]\nname = \"g\"\ntypes = [\"red\"]\ncw_types = [\"blue\"]\n", 36, 13,
            "guest `g` lists STE type `blue` in `cw_types`, but it is in no conflict set");
    }

    [Fact]
    public void GuestOnUnknownNetworkSuggestsTheClosest()
    {
        LoadAssert.SingleError(World + "[[guest]]\nname = \"g\"\ntypes = [\"red\"]\nnetworks = [\"red-nte\"]\n", 36, 13,
            "guest `g` names unknown network `red-nte`; did you mean `red-net`?");
    }

    [Fact]
    public void GuestOnANetworkOfATvdWhoseTypeItLacksIsRejected()
    {
        LoadAssert.SingleError(World + "[[guest]]\nname = \"g\"\ntypes = [\"red\"]\nnetworks = [\"red-net\", \"blue-net\"]\n", 36, 24,
            "guest `g` is on network `blue-net` of TVD `blue` but does not hold its type `blue`");
    }

    [Fact]
    public void GuestOnTheNetworkOfATvdWithAnExplicitTypeNeedsThatType()
    {
        var toml = World.Replace("name = \"blue\"\nvlan = 102", "name = \"blue\"\nvlan = 102\ntype = \"azure\"", StringComparison.Ordinal)
            .Replace("types = [\"blue\"]", "types = [\"azure\"]", StringComparison.Ordinal)
            + "[[guest]]\nname = \"g\"\ntypes = [\"blue\"]\nnetworks = [\"blue-net\"]\n";

        var result = LoadAssert.Load(toml);

        Assert.Equal(
            ["test.toml:36:10: error: guest `g` names unknown STE type `blue` (known: red, azure)",
             "test.toml:37:13: error: guest `g` is on network `blue-net` of TVD `blue` but does not hold its type `azure`; add `azure` to the guest's `types`"],
            result.Errors.Select(e => e.ToString()));
    }

    [Fact]
    public void MisspelledGuestTypeDoesNotAlsoFailItsNetwork()
    {
        LoadAssert.SingleError(World + "[[guest]]\nname = \"g\"\ntypes = [\"rde\"]\nnetworks = [\"red-net\"]\n", 35, 10,
            "guest `g` names unknown STE type `rde`; did you mean `red`?");
    }

    [Fact]
    public void NetworkErrorDoesNotCascadeIntoItsGuests()
    {
        LoadAssert.SingleError(World + "[[network]]\nname = \"x-net\"\ntvd = \"rde\"\n[[guest]]\nname = \"g\"\ntypes = [\"red\"]\nnetworks = [\"x-net\"]\n",
            35, 7, "unknown TVD `rde`");
    }

    [Fact]
    public void VolumeWithUnknownTypeIsRejected()
    {
        LoadAssert.SingleError(World + "[[volume]]\nname = \"v\"\ntypes = [\"red\", \"gren\"]\n", 35, 17,
            "volume `v` names unknown STE type `gren`");
    }

    [Fact]
    public void HostWithUnknownTypeSuggestsTheClosestOfAllTypes()
    {
        LoadAssert.SingleError(World + "[[host]]\nname = \"h\"\ntypes = [\"red\", \"hetz\"]\n", 35, 17,
            "host `h` names unknown type `hetz`; did you mean `hertz`?");
    }

    [Fact]
    public void HostMayListSteAndChineseWallTypes()
    {
        var host = Assert.Single(LoadAssert.Clean(World + "[[host]]\nname = \"h\"\ntypes = [\"red\", \"hertz\"]\n").Hosts);

        Assert.Equal(["red", "hertz"], host.Types);
    }

    [Fact]
    public void GuestHoldingTwoCwTypesOfOneConflictSetIsRejected()
    {
        LoadAssert.SingleError(World + "[[guest]]\nname = \"g\"\ntypes = [\"red\"]\ncw_types = [\"hertz\", \"avis\"]\n", 36, 22,
            "guest `g` holds both `hertz` and `avis` of conflict set `car-rental`, so it could never start");
    }

    [Fact]
    public void GuestHoldingTwoSteTypesOfOneConflictSetIsRejected()
    {
        // A guest's Chinese Wall types include its STE types: a set over TVD types separates their guests.
        var toml = World + "[[conflict_set]]\nname = \"colors\"\ntypes = [\"red\", \"blue\"]\n[[guest]]\nname = \"g\"\ntypes = [\"red\", \"blue\"]\n";

        LoadAssert.SingleError(toml, 38, 17, "guest `g` holds both `red` and `blue` of conflict set `colors`");
    }

    [Fact]
    public void ConflictSetOverTvdTypesIsNotUnused()
    {
        LoadAssert.Clean(World + "[[conflict_set]]\nname = \"colors\"\ntypes = [\"red\", \"blue\"]\n");
    }

    [Fact]
    public void ConflictSetTypesNoGuestOrTvdHoldsAreWarnings()
    {
        var result = LoadAssert.Load(World + "[[conflict_set]]\nname = \"airlines\"\ntypes = [\"lufthansa\", \"swiss\"]\n");

        Assert.NotNull(result.Policy);
        Assert.Empty(result.Errors);
        Assert.All(result.Diagnostics, d => Assert.Equal(DiagnosticSeverity.Warning, d.Severity));
        Assert.Equal(
            ["test.toml:35:10: warning: type `lufthansa` of conflict set `airlines` is held by no guest and no TVD, so it constrains nothing",
             "test.toml:35:23: warning: type `swiss` of conflict set `airlines` is held by no guest and no TVD, so it constrains nothing"],
            result.Diagnostics.Select(d => d.ToString()));
    }
}
