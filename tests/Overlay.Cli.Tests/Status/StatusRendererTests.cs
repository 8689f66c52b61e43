using System.Text.Json;
using Overlay.Cli.Control;

namespace Overlay.Cli.Tests.Status;

/// <summary>The <c>ike</c> section as <c>tvdctl status</c> prints it: words and tables, no inline JSON, no record dumps.</summary>
public sealed class StatusRendererTests
{
    // The shape IkeStatusSection writes (docs/daemon.md, "The ike section").
    private const string Ike = """
        {"ike": {"enabled": true, "local_id": "h1", "ike_port": 500, "nat_t_port": 4500, "workers": 2,
          "counters": {"received": 42, "sent": 40, "errors": 0, "unrouted": 0},
          "failures": {"authentication_failed": 3, "no_proposal_chosen": 0, "retransmits_exhausted": 1},
          "queue": {"capacity": 1024, "depth": 0, "high_water": 3},
          "peers": [{"name": "h2", "id": "h2", "address": "10.200.0.2", "initiator": true, "auth": "psk", "mode": "etherip",
                     "last_failure": {"reason": "authentication_failed", "by_peer": true, "detail": "peer answered AUTHENTICATION_FAILED",
                                      "at": "2026-12-06T07:00:01Z"},
                     "tvds": [{"tvd": "red", "label": "tvd:red", "requirement": null, "attested": false, "verdict": "allow",
                               "reason": "both hosts may run red", "child_sa": true}]}],
          "ike_sas": [{"peer": "h2", "local": "10.200.0.1:500", "remote": "10.200.0.2:500", "state": "established", "initiator": true, "spi_i": "860b3443fc2e1312",
                       "spi_r": "26258b8ed07699bc", "rekeyed": false, "age_s": 12.5, "suite": "aes256gcm16-prfsha384-x25519", "children": 1,
                       "nat": "none", "nat_keepalives_sent": 0, "attestation": {"negotiated": false, "peer_presented": false}}],
          "child_sas": [{"peer": "h2", "label": "tvd:red", "in_spi": "38603b7f", "out_spi": "811c4256", "suite": "aes256gcm16",
                         "installed_at": "2026-12-06T07:00:02Z", "rekeys": 0, "local_ts": [], "remote_ts": []},
                        {"peer": "sw", "label": "tvd:red", "in_spi": "c1a0b2d3", "out_spi": "0badcafe", "suite": "aes128gcm16",
                         "installed_at": "2026-12-06T07:00:03Z", "rekeys": 1, "local_ts": ["10.1.0.0/24", "fd00:1::/64"],
                         "remote_ts": ["10.2.0.0/24", "fd00:2::/64"]}]}}
        """;

    private static string Render(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var text = new StringWriter();
        StatusRenderer.Write(doc.RootElement, text);
        return text.ToString();
    }

    [Fact]
    public void The_ike_section_prints_failures_by_reason_peers_tunnels_and_sas_as_words_and_tables()
    {
        string text = Render(Ike);

        Assert.Contains("failures:    authentication_failed 3, retransmits_exhausted 1", text);
        Assert.DoesNotContain("no_proposal_chosen", text); // only what happened
        Assert.Matches(@"h2 +10\.200\.0\.2 +initiator +psk +etherip +authentication_failed \(refused by the peer, 2026-12-06 07:00:01Z\): peer answered AUTHENTICATION_FAILED", text);
        Assert.Matches(@"h2 +red +tvd:red +- +allow +up +both hosts may run red", text);
        Assert.Matches(@"h2 +10\.200\.0\.1:500 +10\.200\.0\.2:500 +established +initiator .* aes256gcm16-prfsha384-x25519 +1 +none", text);
        Assert.Matches(@"h2 +tvd:red +38603b7f +811c4256 +aes256gcm16 +2026-12-06 07:00:02Z +0 +-", text);
        Assert.Matches(@"sw +tvd:red +c1a0b2d3 +0badcafe +aes128gcm16 +2026-12-06 07:00:03Z +1 +10\.1\.0\.0/24,fd00:1::/64 === 10\.2\.0\.0/24,fd00:2::/64", text);
        Assert.DoesNotContain("{", text);
        Assert.DoesNotContain("IkeCipherSuite", text);
    }

    [Fact]
    public void Ike_that_does_not_run_says_so_and_no_failures_say_none()
    {
        Assert.Contains("ike:         not running", Render("""{"ike": {"enabled": false}}"""));
        string quiet = Render(Ike.Replace("\"authentication_failed\": 3", "\"authentication_failed\": 0").Replace("\"retransmits_exhausted\": 1", "\"retransmits_exhausted\": 0"));
        Assert.Contains("failures:    none", quiet);
    }

    [Fact]
    public void The_cluster_section_says_connected_or_since_when_not_and_what_this_host_made_of_the_stores_policy()
    {
        const string Connected = """
            {"cluster": {"enabled": true, "connected": true, "endpoint": "http://10.0.0.11:2379", "prefix": "/tvd-overlay/",
              "disconnected_since": null, "revision": 77, "registered": true, "lease": "694d8b3f1c2a0e11", "lease_ttl_s": 10,
              "policy_version_in_store": 3,
              "last_result": {"version": 3, "result": "refused", "summary": "s", "conflicts": ["chinese wall: hertz vs avis"], "at": "2026-12-06T12:39:58Z"},
              "peers_admitted": 3, "peers_ignored": 1, "epoch": {"epoch": 42, "leader": "h2", "at": "2026-12-06T12:39:30Z"}}}
            """;
        string text = Render(Connected);
        Assert.Contains("cluster:     connected to http://10.0.0.11:2379 (prefix /tvd-overlay/), revision 77", text);
        Assert.Contains("registered:  yes, lease 694d8b3f1c2a0e11 (ttl 10 s)", text);
        Assert.Contains("store:       policy version 3; this host refused version 3 at 2026-12-06 12:39:58Z: chinese wall: hertz vs avis", text);
        Assert.Contains("peers:       3 admitted, 1 ignored", text);
        Assert.Contains("epoch:       42 by h2 at 2026-12-06 12:39:30Z", text);

        string down = Render(Connected.Replace("\"connected\": true", "\"connected\": false").Replace("\"registered\": true", "\"registered\": false")
            .Replace("\"disconnected_since\": null", "\"disconnected_since\": \"2026-12-06T12:40:02Z\", \"last_error\": \"Unavailable: no leader\""));
        Assert.Contains("cluster:     disconnected since 2026-12-06 12:40:02Z from http://10.0.0.11:2379: Unavailable: no leader", down);
        Assert.Contains("registered:  no", down);
        Assert.Contains("cluster:     files mode", Render("""{"cluster": {"enabled": false}}"""));
    }
}
