using Overlay.Labels.Loading;
using Overlay.Labels.Model;

namespace Overlay.Labels.Tests.Loading;

/// <summary>Loads TOML text as "test.toml" and asserts on the diagnostics the way a user reads them.</summary>
internal static class LoadAssert
{
    public const string File = "test.toml";

    /// <summary>A valid [policy] table and two TVDs (red on 101, blue on 102) on lines 1-11; text appended starts on line 12.</summary>
    public const string Base = """
        [policy]
        name = "test"
        version = 1

        [[tvd]]
        name = "red"
        vlan = 101

        [[tvd]]
        name = "blue"
        vlan = 102

        """;

    public static PolicyLoadResult Load(string toml) => PolicyLoader.Load(toml, File);

    /// <summary>Loads <paramref name="toml"/> and asserts it has exactly one error, at line:column, whose text contains each fragment.</summary>
    public static PolicyDiagnostic SingleError(string toml, int line, int column, params string[] fragments)
    {
        var result = Load(toml);
        Assert.Null(result.Policy);
        var error = Assert.Single(result.Errors);
        AssertAt(error, line, column, fragments);
        return error;
    }

    public static void AssertAt(PolicyDiagnostic diagnostic, int line, int column, params string[] fragments)
    {
        Assert.Equal($"{File}:{line}:{column}", diagnostic.Location.ToString());
        foreach (var fragment in fragments)
        {
            Assert.Contains(fragment, diagnostic.Message, StringComparison.Ordinal);
        }
    }

    /// <summary>Loads <paramref name="toml"/> and asserts it succeeded without any diagnostic.</summary>
    public static PolicyDefinition Clean(string toml)
    {
        var result = Load(toml);
        Assert.Empty(result.Diagnostics.Select(d => d.ToString()));
        Assert.NotNull(result.Policy);
        return result.Policy;
    }
}
