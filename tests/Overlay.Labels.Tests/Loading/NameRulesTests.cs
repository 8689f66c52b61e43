using Overlay.Labels.Loading;

namespace Overlay.Labels.Tests.Loading;

public sealed class NameRulesTests
{
    [Theory]
    [InlineData("red")]
    [InlineData("0")]
    [InlineData("hr-db.v2_final")]
    [InlineData("ABC")]
    public void ValidNames(string name)
    {
        Assert.Null(NameRules.ProblemWithName(name));
    }

    [Fact]
    public void NameOf63CharactersIsTheLongestAllowed()
    {
        Assert.Null(NameRules.ProblemWithName(new string('n', 63)));
        Assert.NotNull(NameRules.ProblemWithName(new string('n', 64)));
    }

    [Theory]
    [InlineData("", "must not be empty")]
    [InlineData(".hidden", "must start with a letter or a digit")]
    [InlineData("_x", "must start with a letter or a digit")]
    [InlineData("a b", "contains ' '")]
    [InlineData("a:b", "contains ':'")]
    [InlineData("rød", "contains U+00F8")]
    [InlineData("a\0", "contains U+0000")]
    public void InvalidNames(string name, string problem)
    {
        Assert.Contains(problem, NameRules.ProblemWithName(name), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tvd:red")]
    [InlineData("system_u:object_r:red_t:s0")]
    [InlineData(" ~")]
    public void ValidLabels(string label)
    {
        Assert.Null(NameRules.ProblemWithLabel(label));
    }

    [Theory]
    [InlineData("", "must not be empty")]
    [InlineData("tvd:\0", "contains U+0000")]
    [InlineData("tvd:\u007f", "contains U+007F")]
    [InlineData("tvd:é", "contains U+00E9")]
    public void InvalidLabels(string label, string problem)
    {
        Assert.Contains(problem, NameRules.ProblemWithLabel(label), StringComparison.Ordinal);
    }
}
