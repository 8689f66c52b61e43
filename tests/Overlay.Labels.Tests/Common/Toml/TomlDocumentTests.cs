using Overlay.Labels.Tests.Loading;

namespace Overlay.Labels.Tests.Common.Toml;

/// <summary><see cref="Overlay.Common.Toml.TomlDocument"/> as the policy loader uses it (the policy's wording).</summary>
public sealed class TomlDocumentTests
{
    [Fact]
    public void SyntaxErrorIsReportedAtItsOneBasedPosition()
    {
        const string toml = """
            [policy]
            name = "test"
            [[tvd]
            """;

        var error = LoadAssert.SingleError(toml, 3, 6, "invalid TOML:", "`]]`");

        Assert.StartsWith("test.toml:3:6: error: invalid TOML: ", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void EverySyntaxErrorIsReportedAndSchemaChecksWaitForValidToml()
    {
        // Two syntax errors; the file also lacks a [[tvd]], which must not be reported on top of them.
        const string toml = """
            [policy]
            name = "test" version = 1
            vlan = = 3
            """;

        var result = LoadAssert.Load(toml);

        Assert.Null(result.Policy);
        Assert.All(result.Errors, e => Assert.StartsWith("invalid TOML: ", e.Message, StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.Location.Line == 2 && e.Location.Column == 15);
        Assert.Contains(result.Errors, e => e.Location.Line == 3);
        Assert.DoesNotContain(result.Errors, e => e.Message.Contains("tvd", StringComparison.Ordinal));
    }

    [Fact]
    public void UnterminatedStringIsASyntaxError()
    {
        var toml = LoadAssert.Base.Replace("name = \"red\"", "name = \"red", StringComparison.Ordinal);

        var result = LoadAssert.Load(toml);

        Assert.Null(result.Policy);
        var first = result.Errors.First();
        LoadAssert.AssertAt(first, 6, 12, "invalid TOML:", "newline");
    }

    [Fact]
    public void IntegerTooLargeForTomlIsASyntaxError()
    {
        var toml = LoadAssert.Base.Replace("vlan = 101", "vlan = 99999999999999999999", StringComparison.Ordinal);

        LoadAssert.SingleError(toml, 7, 8, "invalid TOML:", "99999999999999999999");
    }

    [Fact]
    public void KeySetTwiceInOneTableIsReportedAtTheSecond()
    {
        var toml = LoadAssert.Base.Replace("vlan = 102", "vlan = 102\nvlan = 103", StringComparison.Ordinal);

        LoadAssert.SingleError(toml, 12, 1, "key `vlan` is already set on line 11");
    }

    [Fact]
    public void QuotedKeyIsTheSameKeyAsItsBareForm()
    {
        var toml = LoadAssert.Base.Replace("vlan = 102", "\"vlan\" = 102", StringComparison.Ordinal);

        var policy = LoadAssert.Clean(toml);

        Assert.Equal(102, policy.Tvds[1].VlanId);
    }

    [Fact]
    public void ColumnsCountCharactersAfterTabsAndNonAsciiText()
    {
        // A tab is one column; "é" and "😀" are one column each (Unicode code points, not bytes or UTF-16 units).
        var toml = LoadAssert.Base
            .Replace("vlan = 101", "description = \"é😀\"\n\tvlan = 5000", StringComparison.Ordinal);

        LoadAssert.SingleError(toml, 8, 9, "VLAN id 5000");
    }

    [Fact]
    public void WindowsLineEndingsKeepLineNumbers()
    {
        var toml = LoadAssert.Base.Replace("vlan = 102", "vlan = 0", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal);

        LoadAssert.SingleError(toml, 11, 8, "VLAN id 0");
    }

    [Fact]
    public void DottedKeyIsNotAPolicyKey()
    {
        var toml = LoadAssert.Base.Replace("vlan = 102", "vlan = 102\nname.first = \"x\"", StringComparison.Ordinal);

        LoadAssert.SingleError(toml, 12, 1, "unknown key `name.first` in [[tvd]]");
    }

    [Fact]
    public void KeysBeforeAnyTableAreReportedAtTheKey()
    {
        var toml = "  name = \"test\"\n" + LoadAssert.Base;

        LoadAssert.SingleError(toml, 1, 3, "key `name` is outside any table");
    }

    /// <summary>Found by fuzzing (FuzzCases/policy-toml): Tomlyn threw while describing this error, and the loader with it.</summary>
    [Theory]
    [InlineData("\"\\", 1, 3)]
    [InlineData("[policy]\nname = \"\"\"test\\", 2, 16)]
    public void A_backslash_at_the_end_of_a_string_is_a_located_syntax_error(string toml, int line, int column)
    {
        var error = LoadAssert.SingleError(toml, line, column, "invalid TOML:", "ends inside a string's escape sequence");

        Assert.StartsWith($"test.toml:{line}:{column}: error: invalid TOML: ", error.ToString(), StringComparison.Ordinal);
    }

    /// <summary>Found by fuzzing (FuzzCases/daemon-config): Tomlyn throws on nesting deeper than 64, and the loader threw with it.</summary>
    [Theory]
    [InlineData("0=", "[", "]", 1)]
    [InlineData("[policy]\nx = ", "{a=", "}", 2)]
    public void Nesting_deeper_than_64_is_a_located_syntax_error(string prefix, string open, string close, int line)
    {
        var toml = prefix + string.Concat(Enumerable.Repeat(open, 70)) + string.Concat(Enumerable.Repeat(close, 70));

        var result = LoadAssert.Load(toml);

        Assert.Null(result.Policy);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith($"test.toml:{line}:", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("invalid TOML: arrays or inline tables nested deeper than 64", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deep_nesting_within_the_limit_is_read()
    {
        var toml = LoadAssert.Base + "note = " + string.Concat(Enumerable.Repeat("[", 40)) + string.Concat(Enumerable.Repeat("]", 40)) + "\n";

        // Read as TOML: the only error is the schema's (no such key), at the key.
        LoadAssert.SingleError(toml, 12, 1, "unknown key `note`");
    }
}
