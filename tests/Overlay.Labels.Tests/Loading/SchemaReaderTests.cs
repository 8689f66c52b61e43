namespace Overlay.Labels.Tests.Loading;

public sealed class SchemaReaderTests
{
    private const string Tvds = """
        [[tvd]]
        name = "red"
        vlan = 101
        """;

    [Fact]
    public void MissingPolicyTableIsReportedAtTheTopOfTheFile()
    {
        LoadAssert.SingleError(Tvds, 1, 1, "no [policy] table");
    }

    [Fact]
    public void PolicyWithoutTvdIsReportedAtTheTopOfTheFile()
    {
        LoadAssert.SingleError("[policy]\nname = \"p\"\nversion = 1\n", 1, 1, "defines no TVD", "[[tvd]]");
    }

    [Fact]
    public void EmptyFileReportsBothMissingTables()
    {
        var result = LoadAssert.Load("");

        Assert.Equal(2, result.Errors.Count());
        Assert.All(result.Errors, e => Assert.Equal("test.toml:1:1", e.Location.ToString()));
    }

    [Fact]
    public void TvdWrittenAsASingleTableIsReportedAndStillRead()
    {
        var toml = LoadAssert.Base.Replace("[[tvd]]\nname = \"blue\"", "[tvd]\nname = \"blue\"", StringComparison.Ordinal);

        var result = LoadAssert.Load(toml);

        // The [[tvd]] before it and the [tvd] itself are one array in TOML terms; the one error is the form.
        var error = Assert.Single(result.Errors);
        LoadAssert.AssertAt(error, 9, 1, "`tvd` is an array of tables: write [[tvd]], not [tvd]");
    }

    [Fact]
    public void PolicyWrittenAsAnArrayOfTablesIsReported()
    {
        var toml = LoadAssert.Base.Replace("[policy]", "[[policy]]", StringComparison.Ordinal);

        LoadAssert.SingleError(toml, 1, 1, "`policy` is a single table: write [policy], not [[policy]]");
    }

    [Fact]
    public void SecondPolicyTableIsReported()
    {
        LoadAssert.SingleError(LoadAssert.Base + "[policy]\nname = \"other\"\n", 12, 1, "[policy] is already defined on line 1");
    }

    [Fact]
    public void MisspelledTableSuggestsTheKnownOneInItsForm()
    {
        LoadAssert.SingleError(LoadAssert.Base + "[[guests]]\nname = \"g\"\n", 12, 3, "unknown table [[guests]]; did you mean [[guest]]?");
    }

    [Fact]
    public void UnknownTableListsTheKnownTables()
    {
        LoadAssert.SingleError(LoadAssert.Base + "[colors]\n", 12, 2, "unknown table [colors] (known tables: [policy], [[tvd]]");
    }

    [Fact]
    public void NestedTableIsReported()
    {
        LoadAssert.SingleError(LoadAssert.Base + "[tvd.red]\nvlan = 1\n", 12, 2, "unknown table [tvd.red]: policy tables are not nested");
    }

    [Fact]
    public void SectionNameUsedAsAKeyIsReported()
    {
        LoadAssert.SingleError("tvd = []\n" + LoadAssert.Base, 1, 1, "`tvd` must be written as [[tvd]] tables, not as a key");
    }

    [Fact]
    public void VersionZeroIsRejected()
    {
        var toml = LoadAssert.Base.Replace("version = 1", "version = 0", StringComparison.Ordinal);

        LoadAssert.SingleError(toml, 3, 11, "`version` must be at least 1, found 0");
    }

    [Fact]
    public void ReplacesMustBeBelowVersion()
    {
        var toml = LoadAssert.Base.Replace("version = 1", "version = 3\nreplaces = 3", StringComparison.Ordinal);

        LoadAssert.SingleError(toml, 4, 12, "`replaces` (3) must be lower than `version` (3)");
    }

    [Fact]
    public void ReplacesMustBePositive()
    {
        var toml = LoadAssert.Base.Replace("version = 1", "version = 3\nreplaces = -1", StringComparison.Ordinal);

        LoadAssert.SingleError(toml, 4, 12, "`replaces` must be at least 1, found -1");
    }

    [Fact]
    public void ReplacesBelowVersionIsKept()
    {
        var toml = LoadAssert.Base.Replace("version = 1", "version = 3\nreplaces = 2", StringComparison.Ordinal);

        var policy = LoadAssert.Clean(toml);

        Assert.Equal(3, policy.Version);
        Assert.Equal(2, policy.Replaces);
    }

    [Theory]
    [InlineData("Red Team", "contains ' '")]
    [InlineData("", "must not be empty")]
    [InlineData("-red", "must start with a letter or a digit")]
    [InlineData("rot/blau", "contains '/'")]
    public void InvalidTvdNameIsReportedAtTheValue(string name, string problem)
    {
        var toml = LoadAssert.Base.Replace("name = \"blue\"", $"name = \"{name}\"", StringComparison.Ordinal);

        LoadAssert.SingleError(toml, 10, 8, $"`name` \"{name}\" {problem}");
    }

    [Fact]
    public void NameLongerThan63CharactersIsRejected()
    {
        var name = new string('a', 64);
        var toml = LoadAssert.Base.Replace("name = \"test\"", $"name = \"{name}\"", StringComparison.Ordinal);

        LoadAssert.SingleError(toml, 2, 8, "is 64 characters long; names are at most 63");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4095)]
    [InlineData(-5)]
    public void VlanOutsideTheValidRangeIsRejected(long vlan)
    {
        var toml = LoadAssert.Base.Replace("vlan = 102", $"vlan = {vlan}", StringComparison.Ordinal);

        LoadAssert.SingleError(toml, 11, 8, $"VLAN id {vlan} of TVD `blue` is outside 1-4094");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4094)]
    public void VlanAtTheEdgesOfTheRangeIsAccepted(int vlan)
    {
        var policy = LoadAssert.Clean(LoadAssert.Base.Replace("vlan = 102", $"vlan = {vlan}", StringComparison.Ordinal));

        Assert.Equal(vlan, policy.Tvds[1].VlanId);
    }

    [Theory]
    [InlineData("label = \"\"", "must not be empty")]
    [InlineData("label = \"tvd:bl\\u0000ue\"", "contains U+0000")]
    [InlineData("label = \"tvd:blü\"", "contains U+00FC; labels are printable ASCII")]
    [InlineData("label = \"tvd:\\tblue\"", "contains U+0009")]
    public void InvalidWireLabelIsReportedAtTheValue(string line, string problem)
    {
        var toml = LoadAssert.Base.Replace("vlan = 102", "vlan = 102\n" + line, StringComparison.Ordinal);

        LoadAssert.SingleError(toml, 12, 9, "`label` of TVD `blue`", problem);
    }

    [Fact]
    public void WireLabelOf255BytesIsAcceptedAnd256IsNot()
    {
        var ok = LoadAssert.Base.Replace("vlan = 102", $"vlan = 102\nlabel = \"{new string('x', 255)}\"", StringComparison.Ordinal);
        Assert.Equal(255, LoadAssert.Clean(ok).Tvds[1].WireLabel.Length);

        var tooLong = LoadAssert.Base.Replace("vlan = 102", $"vlan = 102\nlabel = \"{new string('x', 256)}\"", StringComparison.Ordinal);
        LoadAssert.SingleError(tooLong, 12, 9, "is 256 bytes long; labels are at most 255");
    }

    [Fact]
    public void InvalidTypeNameIsReported()
    {
        var toml = LoadAssert.Base.Replace("vlan = 102", "vlan = 102\ntype = \"blue team\"", StringComparison.Ordinal);

        LoadAssert.SingleError(toml, 12, 8, "`type` \"blue team\" contains ' '");
    }

    [Fact]
    public void ExplicitTypeAndAttestationAreKept()
    {
        var toml = LoadAssert.Base.Replace("vlan = 102", "vlan = 102\ntype = \"azure\"\nattestation = \"known-good\"\ndescription = \"Accounting\"", StringComparison.Ordinal)
            + "[[attestation]]\nname = \"known-good\"\npcrs = \"sha256:13\"\nreference_values = \"r.txt\"\nak_ca = [\"ca.pem\"]\n";

        var blue = LoadAssert.Clean(toml).Tvds[1];

        Assert.Equal("azure", blue.SteType);
        Assert.Equal("known-good", blue.Attestation);
        Assert.Equal("Accounting", blue.Description);
        Assert.Equal("tvd:blue", blue.WireLabel);
    }

    [Fact]
    public void ConflictSetWithOneTypeIsRejected()
    {
        var toml = LoadAssert.Base + "[[conflict_set]]\nname = \"cs\"\ntypes = [\"red\"]\n";

        LoadAssert.SingleError(toml, 14, 9, "conflict set `cs` must list at least two distinct types, found 1");
    }

    [Fact]
    public void ConflictSetWithOneTypeTwiceIsRejected()
    {
        var toml = LoadAssert.Base + "[[conflict_set]]\nname = \"cs\"\ntypes = [\"red\", \"red\"]\n";

        var result = LoadAssert.Load(toml);

        Assert.Equal(
            ["test.toml:14:9: error: conflict set `cs` must list at least two distinct types, found 1",
             "test.toml:14:17: error: `red` is listed twice in `types` (first on line 14)"],
            result.Errors.Select(e => e.ToString()));
    }

    [Fact]
    public void GuestWithEmptyTypesIsRejected()
    {
        var toml = LoadAssert.Base + "[[guest]]\nname = \"g\"\ntypes = []\n";

        LoadAssert.SingleError(toml, 14, 9, "guest `g` has no type: `types` must list at least one STE type");
    }

    [Fact]
    public void GuestWithoutTypesKeyIsRejected()
    {
        LoadAssert.SingleError(LoadAssert.Base + "[[guest]]\nname = \"g\"\n", 12, 1, "[[guest]] is missing required key `types`");
    }

    [Fact]
    public void VolumeWithEmptyTypesIsRejected()
    {
        var toml = LoadAssert.Base + "[[volume]]\nname = \"v\"\ntypes = []\n";

        LoadAssert.SingleError(toml, 14, 9, "volume `v` has no type");
    }

    [Fact]
    public void HostWildcardMixedWithTypesIsRejected()
    {
        var toml = LoadAssert.Base + "[[host]]\nname = \"h\"\ntypes = [\"red\", \"*\"]\n";

        LoadAssert.SingleError(toml, 14, 17, "\"*\" means every type and cannot be combined with other types in host `h`");
    }

    [Fact]
    public void HostWithNoTypesIsRejected()
    {
        var toml = LoadAssert.Base + "[[host]]\nname = \"h\"\ntypes = []\n";

        LoadAssert.SingleError(toml, 14, 9, "host `h` lists no type");
    }

    [Fact]
    public void HostWildcardMeansAllTypes()
    {
        var host = Assert.Single(LoadAssert.Clean(LoadAssert.Base + "[[host]]\nname = \"h\"\ntypes = [\"*\"]\n").Hosts);

        Assert.True(host.AllTypes);
        Assert.Empty(host.Types);
    }
}
