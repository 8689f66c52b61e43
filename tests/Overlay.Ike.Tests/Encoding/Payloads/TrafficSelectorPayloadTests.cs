using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Encoding.Payloads;

namespace Overlay.Ike.Tests.Encoding.Payloads;

/// <summary>Malformed TS payloads and TS_SECLABEL selectors (RFC 7296 §3.13, RFC 9478 §2) give INVALID_SYNTAX.</summary>
public class TrafficSelectorPayloadTests
{
    private static (bool Ok, Overlay.Ike.Encoding.IkeParseError Error) Parse(string tsBodyHex)
    {
        var body = Convert.FromHexString(tsBodyHex);
        var bytes = new byte[4 + body.Length];
        bytes[2] = (byte)(bytes.Length >> 8);
        bytes[3] = (byte)bytes.Length;
        body.CopyTo(bytes, 4);
        var ok = PayloadChain.TryParse(bytes, IkePayloadType.TrafficSelectorInitiator, [], out var error);
        return (ok, error);
    }

    [Theory]
    [InlineData("01000000" + "0A000004", "TS_SECLABEL with an empty security label")]
    [InlineData("01000000" + "0A00000B" + "7476643A726564", "TS_SECLABEL label is not NUL-terminated")]
    [InlineData("01000000" + "0A000005" + "00", "TS_SECLABEL label is empty text or has an embedded NUL")]
    [InlineData("01000000" + "0A00000C" + "7476640072656400", "TS_SECLABEL label is empty text or has an embedded NUL")]
    [InlineData("01000000" + "0A00000D" + "7476643A72656400", "traffic selector length out of range")]
    [InlineData("01000000" + "0A000003", "traffic selector length out of range")]
    [InlineData("01000000" + "07000010" + "0000FFFF0A000000", "traffic selector length out of range")]
    [InlineData("01000000" + "0700000C" + "0000FFFF0A000000", "address range selector length does not fit its type")]
    [InlineData("02000000" + "0A00000C" + "7476643A72656400", "Number of TSs does not match the selectors present")]
    [InlineData("010000", "truncated TS payload")]
    public void Bad_selectors_are_invalid_syntax_with_a_precise_reason(string body, string reason)
    {
        var (ok, error) = Parse(body);
        Assert.False(ok);
        Assert.Equal(NotifyType.InvalidSyntax, error.Notify);
        Assert.Equal(reason, error.Reason);
    }

    [Fact]
    public void Good_label_and_unknown_selector_type_parse()
    {
        Assert.True(Parse("02000000" + "0A00000C" + "7476643A72656400" + "C8000006" + "0102").Ok);
    }
}
