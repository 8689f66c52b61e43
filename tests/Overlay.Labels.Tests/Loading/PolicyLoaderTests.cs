using System.Text;
using Overlay.Labels.Loading;
using Overlay.Labels.Model;

namespace Overlay.Labels.Tests.Loading;

public sealed class PolicyLoaderTests
{
    [Fact]
    public void ExamplePolicyLoadsWithoutErrorsOrWarnings()
    {
        var path = RepoFiles.PathOf(Path.Combine("examples", "policy.toml"));

        var result = PolicyLoader.LoadFile(path);

        Assert.Empty(result.Diagnostics.Select(d => d.ToString()));
        Assert.True(result.Succeeded);
        var policy = result.Policy!;
        Assert.Equal("acme-dc", policy.Name);
        Assert.Equal(1, policy.Version);
        Assert.Null(policy.Replaces);
        Assert.Equal(path, policy.SourceFile);
        Assert.Equal(["red", "blue", "green"], policy.Tvds.Select(t => t.Name));
        Assert.Equal([101, 102, 103], policy.Tvds.Select(t => t.VlanId));
        Assert.Equal(["tvd:red", "tvd:blue", "tvd:green"], policy.Tvds.Select(t => t.WireLabel));
        Assert.Equal(["known-good", "known-good", null], policy.Tvds.Select(t => t.Attestation));
        Assert.Equal(["hertz", "avis"], Assert.Single(policy.ConflictSets).Types);
        var bridge = Assert.Single(policy.Guests, g => g.Name == "bridge-gw");
        Assert.Equal(["red", "blue"], bridge.SteTypes);
        Assert.Equal(["red-net", "blue-net"], bridge.Networks);
        Assert.Equal(["hertz"], Assert.Single(policy.Guests, g => g.Name == "hertz-web").CwTypes);
        Assert.Equal(["red-net", "blue-net", "green-net"], policy.Networks.Select(n => n.Name));
        Assert.Equal(["red"], Assert.Single(policy.Volumes).SteTypes);
        Assert.True(policy.Hosts[0].AllTypes);
        Assert.Empty(policy.Hosts[0].Types);
        Assert.False(policy.Hosts[1].AllTypes);
        Assert.Equal(["red", "green"], policy.Hosts[1].Types);
    }

    [Fact]
    public void OptionalTvdKeysTakeTheirDefaultsAndEntitiesKeepTheirHeaderLocation()
    {
        var policy = LoadAssert.Clean(LoadAssert.Base);

        var blue = policy.Tvds[1];
        Assert.Equal("", blue.Description);
        Assert.Equal("blue", blue.SteType);
        Assert.Equal("tvd:blue", blue.WireLabel);
        Assert.Null(blue.Attestation);
        Assert.Equal(new SourceLocation(LoadAssert.File, 9, 1), blue.Location);
        Assert.Empty(policy.ConflictSets);
        Assert.Empty(policy.Guests);
        Assert.Empty(policy.Hosts);
    }

    [Fact]
    public void EveryErrorOfTheFileIsReportedAtOnceInFileOrder()
    {
        const string toml = """
            [policy]
            name = "test"
            version = 0

            [[tvd]]
            name = "red"
            vlan = "101"

            [[guest]]
            name = "g"
            types = ["rde"]
            colour = "x"
            """;

        var result = LoadAssert.Load(toml);

        Assert.Null(result.Policy);
        Assert.False(result.Succeeded);
        Assert.Equal(
            ["test.toml:3:11", "test.toml:7:8", "test.toml:11:10", "test.toml:12:1"],
            result.Errors.Select(e => e.Location.ToString()));
    }

    [Fact]
    public void DiagnosticPrintsAsFileLineColumnSeverityMessage()
    {
        var error = LoadAssert.SingleError(LoadAssert.Base.Replace("vlan = 102", "vlan = 5000", StringComparison.Ordinal), 11, 8);

        Assert.Equal("test.toml:11:8: error: VLAN id 5000 of TVD `blue` is outside 1-4094", error.ToString());
    }

    [Fact]
    public void AWarningDoesNotPreventThePolicy()
    {
        var toml = LoadAssert.Base + """
            [[conflict_set]]
            name = "rivals"
            types = ["red", "unused"]
            """;

        var result = LoadAssert.Load(toml);

        Assert.True(result.Succeeded);
        Assert.NotNull(result.Policy);
        var warning = Assert.Single(result.Diagnostics);
        Assert.Equal(DiagnosticSeverity.Warning, warning.Severity);
        Assert.StartsWith("test.toml:14:17: warning: type `unused`", warning.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void MissingFileIsAnErrorAtPathZeroZero()
    {
        var path = Path.Combine(Path.GetTempPath(), $"tvd-labels-test-{Guid.NewGuid():N}", "policy.toml");

        var result = PolicyLoader.LoadFile(path);

        Assert.Null(result.Policy);
        var error = Assert.Single(result.Diagnostics);
        Assert.Equal(DiagnosticSeverity.Error, error.Severity);
        Assert.Equal(new SourceLocation(path, 0, 0), error.Location);
        Assert.StartsWith($"{path}:0:0: error: cannot read the policy file:", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void DirectoryInsteadOfFileIsAnError()
    {
        var dir = Directory.CreateTempSubdirectory("tvd-labels-test-");
        try
        {
            var result = PolicyLoader.LoadFile(dir.FullName);

            var error = Assert.Single(result.Errors);
            Assert.Equal(new SourceLocation(dir.FullName, 0, 0), error.Location);
            Assert.Contains("cannot read the policy file", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void FileWithInvalidUtf8IsAnError()
    {
        var dir = Directory.CreateTempSubdirectory("tvd-labels-test-");
        try
        {
            var path = Path.Combine(dir.FullName, "policy.toml");
            var bytes = Encoding.UTF8.GetBytes(LoadAssert.Base.Replace("\"blue\"", "\"bl?e\"", StringComparison.Ordinal));
            bytes[Array.IndexOf(bytes, (byte)'?')] = 0xFF;
            File.WriteAllBytes(path, bytes);

            var result = PolicyLoader.LoadFile(path);

            var error = Assert.Single(result.Errors);
            Assert.Equal($"{path}:0:0: error: the policy file is not valid UTF-8", error.ToString());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void LoadFileReportsDiagnosticsUnderThePathGiven()
    {
        var dir = Directory.CreateTempSubdirectory("tvd-labels-test-");
        try
        {
            var path = Path.Combine(dir.FullName, "bad.toml");
            File.WriteAllText(path, "[policy]\nname = \"p\"\n");

            var result = PolicyLoader.LoadFile(path);

            Assert.Contains(result.Errors, e => e.ToString() == $"{path}:1:1: error: [policy] is missing required key `version`");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void EveryTruncationOfTheExampleLoadsWithoutThrowing()
    {
        // A file cut off anywhere (a crash mid-write, a bad copy) must give diagnostics, never an exception.
        var text = File.ReadAllText(RepoFiles.PathOf(Path.Combine("examples", "policy.toml")));

        for (var length = 0; length < text.Length; length++)
        {
            var result = PolicyLoader.Load(text[..length], "cut.toml");

            Assert.Equal(result.Policy is not null, result.Succeeded);
            Assert.All(result.Diagnostics, d => Assert.True(d.Location.Line >= 1 && d.Location.Column >= 1, d.ToString()));
        }
    }
}
