using Overlay.Attest.Verify;

namespace Overlay.Attest.Tests.Structures;

public sealed class TpmtPublicTests
{
    /// <summary>
    /// A TPM2B_PUBLIC for an RSA key whose modulus is empty (FuzzCases/tpm2-files/crash-e71ea17d8ed8fa78): a peer's
    /// evidence or a file given to tvdctl. .NET's RSA import threw IndexOutOfRangeException on it; it is refused.
    /// </summary>
    [Fact]
    public void An_rsa_key_with_an_empty_modulus_is_refused_with_a_message()
    {
        // RSA, RSASSA with SHA-256, then a modulus of 0 octets (the fuzz case had an unknown scheme, now refused earlier).
        var data = Convert.FromHexString("00180001303030303030000000100014000B3030303030300000");

        Assert.False(AkPublicKey.TryLoad(data, out _, out var error));
        Assert.Contains("empty modulus", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0018000130303030303000000010303030303030303030300000", "RSA parameters")] // scheme 0x3030
    [InlineData("00580023000B0005047200000010FF18000B00030010002058C5408E73A9494B64B5914A87287321AC4D5AA649F5E6DC5FE0761A31609A440020F8D0C177257D91FE90C5C6C0F21B21F33EDEE15554BC6E771D6BC94537F61515", "ECC parameters")] // scheme 0xff18
    public void A_key_of_an_unknown_scheme_is_refused(string hex, string message)
    {
        Assert.False(AkPublicKey.TryLoad(Convert.FromHexString(hex), out _, out var error));
        Assert.Contains(message, error, StringComparison.Ordinal);
        Assert.Contains("unknown scheme", error, StringComparison.Ordinal);
    }
}
