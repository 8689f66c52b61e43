using Overlay.Demo.BoincServer.Protocol;

namespace Overlay.Demo.BoincServer.Tests.Protocol;

public sealed class FileNamesTests
{
    [Theory]
    [InlineData("wu_1_in", true)]
    [InlineData("wu_12_0_out", true)]
    [InlineData("a.b-c_d", true)]
    [InlineData("", false)]
    [InlineData("..", false)]
    [InlineData("../etc/passwd", false)]
    [InlineData("..%2Fetc%2Fpasswd", false)]
    [InlineData("a/b", false)]
    [InlineData("/etc/passwd", false)]
    [InlineData("a\\b", false)]
    [InlineData(".hidden", false)]
    [InlineData("a..b", false)]
    [InlineData("a b", false)]
    [InlineData("a\0b", false)]
    [InlineData("ünïcode", false)]
    public void Only_plain_names_are_valid(string name, bool valid)
    {
        Assert.Equal(valid, FileNames.IsValid(name));
    }

    [Fact]
    public void Names_longer_than_the_bound_are_refused()
    {
        Assert.True(FileNames.IsValid(new string('a', FileNames.MaxLength)));
        Assert.False(FileNames.IsValid(new string('a', FileNames.MaxLength + 1)));
        Assert.Equal(RejectReason.BadFileName, Assert.Throws<ProtocolException>(() => FileNames.Check("../x")).Reason);
    }
}
