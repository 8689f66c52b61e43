using Overlay.Labels.Tests.Loading;

namespace Overlay.Labels.Tests.Common.Toml;

/// <summary><see cref="Overlay.Common.Toml.TomlSectionReader"/> as the policy's schema readers use it (the policy's wording).</summary>
public sealed class TomlSectionReaderTests
{
    private static string BlueTvd(string replacement) =>
        LoadAssert.Base.Replace("vlan = 102", replacement, StringComparison.Ordinal);

    [Fact]
    public void QuotedIntegerIsAWrongTypeWithAHint()
    {
        LoadAssert.SingleError(BlueTvd("vlan = \"102\""), 11, 8,
            "`vlan` must be an integer, found a string (remove the quotes: `vlan = 102`)");
    }

    [Theory]
    [InlineData("vlan = 10.5", "found a float")]
    [InlineData("vlan = true", "found a boolean")]
    [InlineData("vlan = 1979-05-27", "found a date-time")]
    [InlineData("vlan = [102]", "found an array")]
    [InlineData("vlan = { id = 102 }", "found an inline table")]
    public void NonIntegerVlanIsAWrongTypeAtTheValue(string line, string found)
    {
        LoadAssert.SingleError(BlueTvd(line), 11, 8, "`vlan` must be an integer", found);
    }

    [Fact]
    public void NonStringNameIsAWrongType()
    {
        var toml = LoadAssert.Base.Replace("name = \"blue\"", "name = 7", StringComparison.Ordinal);

        LoadAssert.SingleError(toml, 10, 8, "`name` must be a string, found an integer");
    }

    [Fact]
    public void SingleStringWhereAnArrayIsExpectedSuggestsTheArray()
    {
        var toml = LoadAssert.Base + """
            [[volume]]
            name = "v"
            types = "red"
            """;

        LoadAssert.SingleError(toml, 14, 9, "`types` must be an array of strings, found a string (write `types = [\"red\"]`)");
    }

    [Fact]
    public void NonStringInAStringArrayIsReportedAtTheElement()
    {
        var toml = LoadAssert.Base + """
            [[volume]]
            name = "v"
            types = ["red", 5]
            """;

        LoadAssert.SingleError(toml, 14, 17, "`types` must list only strings, found an integer");
    }

    [Fact]
    public void StringListedTwiceIsReportedAtTheSecond()
    {
        var toml = LoadAssert.Base + """
            [[volume]]
            name = "v"
            types = [
              "red",
              "red",
            ]
            """;

        LoadAssert.SingleError(toml, 16, 3, "`red` is listed twice in `types` (first on line 15)");
    }

    [Fact]
    public void MisspelledKeySuggestsTheKnownKeyAndIsNotAlsoReportedMissing()
    {
        LoadAssert.SingleError(BlueTvd("valn = 102"), 11, 1, "unknown key `valn` in [[tvd]]; did you mean `vlan`?");
    }

    [Fact]
    public void MisspelledOptionalKeySuggestsTheKnownKey()
    {
        LoadAssert.SingleError(BlueTvd("vlan = 102\ndescrption = \"Accounting\""), 12, 1,
            "unknown key `descrption` in [[tvd]]; did you mean `description`?");
    }

    [Fact]
    public void UnknownKeyFarFromAnyKnownKeyHasNoSuggestion()
    {
        var error = LoadAssert.SingleError(BlueTvd("vlan = 102\ncolour = \"blue\""), 12, 1, "unknown key `colour` in [[tvd]]");

        Assert.DoesNotContain("did you mean", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownKeyInPolicyTableNamesTheTable()
    {
        var toml = LoadAssert.Base.Replace("version = 1", "version = 1\nversoin = 2", StringComparison.Ordinal);

        LoadAssert.SingleError(toml, 4, 1, "unknown key `versoin` in [policy]; did you mean `version`?");
    }

    [Fact]
    public void MissingRequiredKeyIsReportedAtTheTableHeader()
    {
        LoadAssert.SingleError(BlueTvd(""), 9, 1, "[[tvd]] is missing required key `vlan`");
    }

    [Fact]
    public void EveryMissingRequiredKeyIsReported()
    {
        var result = LoadAssert.Load(LoadAssert.Base + "[[network]]\n");

        Assert.Equal(
            ["test.toml:12:1: error: [[network]] is missing required key `name`",
             "test.toml:12:1: error: [[network]] is missing required key `tvd`"],
            result.Errors.Select(e => e.ToString()));
    }
}
