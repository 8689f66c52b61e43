using Overlay.Attest.Tpm;

namespace Overlay.Attest.Tests.Tpm;

/// <summary>Which TPM a configuration means, decided without a TPM: a temporary file stands in for /dev/tpmrm0.</summary>
public sealed class TpmChoiceTests : IDisposable
{
    private const string NoDevice = "/dev/tvd-no-tpm";
    private readonly string _device = Path.GetTempFileName();

    public void Dispose() => File.Delete(_device);

    [Fact]
    public void A_configured_tcti_is_chosen_even_when_the_host_has_a_tpm()
    {
        var choice = TpmChoice.For("swtpm:path=/run/x/tpm.sock", "/var/lib/tvd/swtpm", _device);

        Assert.Equal(TpmKind.ConfiguredTcti, choice.Kind);
        Assert.Equal("the configured TPM 'swtpm:path=/run/x/tpm.sock'", choice.ToString());
    }

    [Fact]
    public void Without_a_tcti_the_hosts_tpm_is_chosen_when_it_exists()
    {
        var choice = TpmChoice.For(null, "/var/lib/tvd/swtpm", _device);

        Assert.Equal(TpmKind.Device, choice.Kind);
        Assert.Equal($"the TPM {_device}", choice.ToString());
    }

    [Fact]
    public void Without_a_tcti_or_a_tpm_an_embedded_swtpm_is_chosen()
    {
        var choice = TpmChoice.For(null, "/var/lib/tvd/swtpm", NoDevice);

        Assert.Equal(TpmKind.EmbeddedSwtpm, choice.Kind);
        Assert.Equal("an embedded swtpm in /var/lib/tvd/swtpm", choice.ToString());
    }

    [Fact]
    public void Embedded_asks_for_the_swtpm_even_when_the_host_has_a_tpm()
    {
        Assert.Equal(TpmKind.EmbeddedSwtpm, TpmChoice.For(TpmSelection.EmbeddedTcti, "/var/lib/tvd/swtpm", _device).Kind);
        Assert.False(TpmChoice.NamesTpm(TpmSelection.EmbeddedTcti));
        Assert.False(TpmChoice.NamesTpm(null));
        Assert.True(TpmChoice.NamesTpm("device:/dev/tpmrm0"));
    }

    [Theory]
    [InlineData(TpmKind.Device, "device")]
    [InlineData(TpmKind.EmbeddedSwtpm, "embedded_swtpm")]
    [InlineData(TpmKind.ConfiguredTcti, "configured_tcti")]
    public void Kinds_have_stable_names_for_status_and_logs(TpmKind kind, string name) => Assert.Equal(name, kind.Name());
}
