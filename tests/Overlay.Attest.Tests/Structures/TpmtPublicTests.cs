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
        var data = Convert.FromHexString("0018000130303030303000000010303030303030303030300000");

        Assert.False(AkPublicKey.TryLoad(data, out _, out var error));
        Assert.Contains("empty modulus", error, StringComparison.Ordinal);
    }
}
