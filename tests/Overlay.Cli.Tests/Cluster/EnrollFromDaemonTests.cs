using System.Text.Json;

namespace Overlay.Cli.Tests.Cluster;

/// <summary>
/// <c>tvdctl host enroll --ak</c> with the AK a real tvd-overlayd (embedded swtpm) shows: the PEM of <c>status --json</c>'s
/// <c>attest.ak.pem</c> and the TPM2B_PUBLIC <c>attest daemon-quote --ak-out</c> writes (tpm2-tools' format) enroll the
/// fingerprint the daemon reports as its AK pin.
/// </summary>
public sealed class EnrollFromDaemonTests(ClusterFixture cluster) : ExampleDaemonTests("tvdctl-enroll-daemon-"), IClassFixture<ClusterFixture>
{
    [EtcdFact]
    public void The_daemons_AK_as_PEM_or_TPM2B_PUBLIC_enrolls_its_pin()
    {
        StartDaemon();
        var keys = ClusterFixture.NewKeys();
        var status = CliRunner.Run("status", "--json", "--socket", Socket);
        Assert.Equal(0, status.ExitCode);
        using var doc = JsonDocument.Parse(status.StdOut);
        var ak = doc.RootElement.GetProperty("attest").GetProperty("ak");
        var pin = ak.GetProperty("fingerprint").GetString()!;
        var pem = Path.Combine(Dir, "host2-ak.pem");
        File.WriteAllText(pem, ak.GetProperty("pem").GetString());
        var tpm2b = Path.Combine(Dir, "host2-ak.pub");
        Assert.Equal(0, CliRunner.Run("attest", "daemon-quote", "--socket", Socket, "--nonce", "00", "--out", Path.Combine(Dir, "q.ev"),
            "--ak-out", tpm2b).ExitCode);

        var fromPem = cluster.Tvdctl(keys, "host", "enroll", "host2", "--ak", pem, "--json");
        var fromTpm = cluster.Tvdctl(keys, "host", "enroll", "host2", "--ak", tpm2b, "--json");

        Assert.Equal(64, pin.Length);
        foreach (var r in new[] { fromPem, fromTpm })
        {
            Assert.True(r.ExitCode == 0, r.All);
            using var e = JsonDocument.Parse(r.StdOut);
            Assert.Equal(pin, e.RootElement.GetProperty("ak_sha256").GetString());
        }
    }
}
