using System.Text.Json;
using Overlay.Attest.Tpm;
using Overlay.Daemon.Tests.Support;
using static Overlay.Daemon.Tests.AttestHost.DaemonAttestation;

namespace Overlay.Daemon.Tests.AttestHost;

/// <summary>
/// Starting against a TPM that is not there or not free: a configured TPM the daemon cannot reach exits 1 with a
/// clear reason and nothing left running; a swtpm a dead daemon left behind is replaced; a bad [attest] exits 2.
/// </summary>
public sealed class AttestStartupFailureTests
{
    [Fact]
    public async Task An_unreachable_configured_tpm_exits_1_and_leaves_nothing_running()
    {
        using var daemon = new DaemonProcess(extraConfig: "[attest]\ntcti = \"swtpm:path=/nonexistent/tvdd-test/tpm.sock\"");

        daemon.Start();

        Assert.Equal(1, await daemon.WaitForExitAsync());
        await daemon.ExpectOutputAsync("tvd-overlayd: cannot use the configured TPM 'swtpm:path=/nonexistent/tvdd-test/tpm.sock'");
        Assert.False(File.Exists(daemon.SocketPath), "the control socket must not be left behind");
        Assert.Empty(SwtpmsUnder(daemon.Directory.Path));
    }

    [Fact]
    public async Task A_swtpm_left_behind_by_a_daemon_that_is_gone_is_replaced_at_the_next_start()
    {
        using var daemon = new DaemonProcess();
        // Its parent is this test host, not a tvd-overlayd: what a killed daemon leaves behind, holding the state's lock.
        using var leftover = EmbeddedSwtpm.Start(daemon.Directory.File("state/swtpm"));

        JsonElement status = await daemon.StartAndWaitReadyAsync();

        await daemon.ExpectOutputAsync($"killing swtpm {leftover.ProcessId} left behind");
        Assert.False(IsSwtpmRunning(leftover.ProcessId));
        int swtpm = status.GetProperty("attest").GetProperty("tpm").GetProperty("swtpm_pid").GetInt32();
        Assert.NotEqual(leftover.ProcessId, swtpm);
        Assert.True(IsSwtpmRunning(swtpm));
    }

    [Fact]
    public async Task An_unknown_attest_key_exits_2_with_its_location()
    {
        using var daemon = new DaemonProcess(extraConfig: "[attest]\nalgorithm = \"ecc\"");

        daemon.Start();

        Assert.Equal(2, await daemon.WaitForExitAsync());
        await daemon.ExpectOutputAsync($"{daemon.ConfigFile}:7:1: error: unknown key 'algorithm' in [attest]");
        Assert.False(Directory.Exists(daemon.Directory.File("state")), "nothing may be created for a bad config");
    }
}
