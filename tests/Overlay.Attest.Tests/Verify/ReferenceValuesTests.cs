using Overlay.Attest.Ima;
using Overlay.Attest.Verify;

namespace Overlay.Attest.Tests.Verify;

public sealed class ReferenceValuesTests
{
    private const string Good = "1111111111111111111111111111111111111111111111111111111111111111";
    private const string Image = "2222222222222222222222222222222222222222222222222222222222222222";

    private static ReferenceValues Parse(string text)
    {
        Assert.True(ReferenceValues.TryParse(text, out var values, out var error), error);
        return values;
    }

    private static ImaNgEntry Entry(string path, string hex) => ImaNgEntry.Create(13, "sha256", Convert.FromHexString(hex), path);

    [Fact]
    public void Sha256SumOutputIsAcceptedAsIs()
    {
        var values = Parse($"# daemon\n{Good}  /usr/sbin/tvd-overlayd\n{Good} */etc/tvd-overlay/policy.toml\ntvd blue {Image}\n");
        Assert.Null(values.Check(Entry("/usr/sbin/tvd-overlayd", Good)));
        Assert.Null(values.Check(Entry("/etc/tvd-overlay/policy.toml", Good)));
        Assert.Null(values.Check(Entry("tvd:blue/web1/image", Image)));
    }

    [Fact]
    public void UnknownPathsWrongDigestsAndWrongTvdAreReported()
    {
        var values = Parse($"{Good} /usr/sbin/tvd-overlayd\ntvd blue {Image}\n");
        Assert.Equal("ref.unknown", values.Check(Entry("/usr/bin/evil", Good))?.Id);
        Assert.Equal("ref.mismatch", values.Check(Entry("/usr/sbin/tvd-overlayd", Image))?.Id);
        Assert.Equal("ref.mismatch", values.Check(Entry("tvd:blue/web1/image", Good))?.Id);
        Assert.Equal("ref.unknown", values.Check(Entry("tvd:red/db/image", Image))?.Id);
    }

    [Fact]
    public void ViolationIsNeverAllowed()
    {
        var values = Parse($"{Good} /x\n");
        var entry = new ImaNgEntry(10, new byte[20], "ima-ng", Entry("/x", Good).TemplateData);
        Assert.Equal("ref.violation", values.Check(entry)?.Id);
    }

    [Theory]
    [InlineData("nothex /x")]
    [InlineData("tvd blue 12")]
    [InlineData("1234 /x")]
    public void MalformedLinesAreErrorsWithTheLineNumber(string line)
    {
        Assert.False(ReferenceValues.TryParse($"# header\n{line}\n", out _, out var error));
        Assert.StartsWith("line 2", error);
    }
}
