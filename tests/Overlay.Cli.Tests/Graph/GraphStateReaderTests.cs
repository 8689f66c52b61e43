using System.Text.Json;
using Overlay.Cli.Graph;

namespace Overlay.Cli.Tests.Graph;

/// <summary>The status document (docs/daemon.md's shapes) and guest list read into what the picture draws.</summary>
public sealed class GraphStateReaderTests
{
    private const string Status = """
    {
      "daemon": { "host": "h1" },
      "policy": { "name": "lab", "version": 2,
                  "tvds": [ { "name": "red", "vlan": 101, "label": "tvd:red", "type": "red" },
                            { "name": "green", "vlan": 103, "label": "tvd:green", "type": "green" } ] },
      "engine": { "running": [ { "host": "h1", "guest": "red1" } ], "bindings": [],
                  "refused_joins": [ { "peer": "h3", "tvd": "red", "by": "us", "withdrawn": false, "rule": "attestation",
                                       "reason": "host h3 does not meet 'known-good' for TVD red: ref.unknown /x", "first_at": "2026-01-01T00:00:00Z",
                                       "last_at": "2026-01-01T00:00:30Z", "count": 2 },
                                     { "peer": "h2", "tvd": "green", "by": "peer", "withdrawn": false, "rule": null,
                                       "reason": "carriage: no", "first_at": "2026-01-01T00:00:00Z", "last_at": "2026-01-01T00:00:30Z", "count": 1 } ] },
      "dataplane": { "enabled": true,
        "ports": [ { "name": "h1red", "guest": "red1", "network": "red-net", "tvd": "tvd:red", "drops": { "foreign_tag": 0 } },
                   { "name": "h1grn", "guest": "green1", "network": "green-net", "tvd": "tvd:green", "drops": { "untagged": 4, "oversized": 9 } } ],
        "refused_ports": [ { "name": "h1mix", "interface": "x", "guest": "blue1", "network": "red-net", "reason": "deny: ste: no" } ],
        "peers": [ { "name": "h2", "address": "10.200.0.2:4500", "tunnels": [ { "tvd": "tvd:red" } ] },
                   { "name": "s9", "address": "10.200.0.9:4500", "tunnels": [ { "tvd": "tvd:green" } ] } ],
        "sas": [ { "spi": "0x1", "direction": "in", "peer": "10.200.0.2:4500", "tvd": "tvd:red", "drops": { "foreign_tag": 3 } },
                 { "spi": "0x2", "direction": "in", "peer": "10.200.0.2:4500", "tvd": "tvd:red", "drops": { "foreign_tag": 2, "replay": 5 } } ] },
      "ike": { "enabled": true,
        "peers": [ { "name": "h2", "id": "h2", "address": "10.200.0.2",
                     "tvds": [ { "tvd": "green", "requirement": null, "attested": false, "verdict": "allow", "reason": "ok", "child_sa": false },
                               { "tvd": "red", "requirement": "known-good", "attested": true, "verdict": "allow", "reason": "ok", "child_sa": true } ] },
                   { "name": "h3", "id": "h3", "address": "10.200.0.3", "last_failure": { "reason": "attestation_refused" },
                     "tvds": [ { "tvd": "red", "requirement": "known-good", "attested": false, "verdict": "deny",
                                 "reason": "host h3 does not meet 'known-good' for TVD red: ref.unknown /x", "child_sa": false } ] } ],
        "ike_sas": [ { "peer": "h2", "state": "established", "rekeyed": false, "attestation": { "evidence_age_s": 6.4 } } ] }
    }
    """;

    private const string Guests = """
    [ { "name": "red1", "backend": "netns", "state": "running", "define_refusal": null,
        "ports": [ { "port": "h1red", "network": "red-net", "tvd": "red", "attached": true, "problem": null } ] },
      { "name": "zz", "backend": "libvirt", "state": "defined", "define_refusal": "deny: chinese-wall: x",
        "ports": [ { "port": "zzp", "network": "green-net", "tvd": "green", "attached": false, "problem": "not started" } ] } ]
    """;

    [Fact]
    public void Reads_tvds_with_their_requirement_guests_peers_refusals_and_blocked_flows()
    {
        using var status = JsonDocument.Parse(Status);
        using var guests = JsonDocument.Parse(Guests);
        GraphState state = GraphStateReader.Read(status.RootElement, guests.RootElement);

        Assert.Equal("h1", state.Host);
        Assert.Equal("lab v2", state.Policy);
        Assert.Equal(["green", "red"], state.Tvds.Select(t => t.Name));
        Assert.Equal("known-good", state.Tvds.Single(t => t.Name == "red").Requirement);
        Assert.Null(state.Tvds.Single(t => t.Name == "green").Requirement);

        Assert.Equal(["blue1", "green1", "red1", "zz"], state.Guests.Select(g => g.Name));
        Assert.Equal("red", state.Guests.Single(g => g.Name == "red1").Ports.Single().Tvd);
        Assert.Equal("green", state.Guests.Single(g => g.Name == "green1").Ports.Single().Tvd); // label → name
        GraphGuestPort refused = state.Guests.Single(g => g.Name == "blue1").Ports.Single();
        Assert.True(refused.Refused);
        Assert.Equal("deny: ste: no", refused.Problem);
        Assert.Equal("deny: chinese-wall: x", state.Guests.Single(g => g.Name == "zz").Problem);

        Assert.Equal(["h2", "h3", "s9"], state.Peers.Select(p => p.Name));
        GraphPeer h2 = state.Peers[0];
        Assert.Equal(new GraphLink("red", LinkState.Up, LinkAttestation.Attested, 6.4, null), h2.Links.Single(l => l.Tvd == "red"));
        GraphLink green = h2.Links.Single(l => l.Tvd == "green");
        Assert.Equal((LinkState.Refused, LinkAttestation.NotRequired), (green.State, green.Attestation)); // h2 refused us green
        Assert.Equal("refused by h2: carriage: no", green.Reason);
        GraphLink h3red = state.Peers[1].Links.Single();
        Assert.Equal((LinkState.Refused, LinkAttestation.Refused), (h3red.State, h3red.Attestation));
        Assert.Contains("ref.unknown /x", h3red.Reason, StringComparison.Ordinal);
        Assert.Equal("attestation_refused", state.Peers[1].LastFailure);
        Assert.Equal(new GraphLink("green", LinkState.Up, LinkAttestation.Static, null, null), state.Peers[2].Links.Single());

        Assert.Equal([("h2", "green", "peer"), ("h3", "red", "us")], state.RefusedJoins.Select(r => (r.Peer, r.Tvd, r.By)));
        Assert.Equal(2, state.RefusedJoins[1].Count);

        // Only the reasons that are a blocked flow, summed over a tunnel's SAs; oversized and replay are faults, not blocks.
        Assert.Equal([("peer h2", "red", "foreign_tag", 5L), ("port h1grn", "green", "untagged", 4L), ("port h1mix", null, "refused_port", 0L)],
            state.Blocked.Select(b => (b.Where, b.Tvd, b.Reason, b.Count)));
    }

    [Fact]
    public void A_daemon_without_ike_dataplane_or_guests_is_a_host_alone()
    {
        using var status = JsonDocument.Parse("""{ "daemon": { "host": "solo" }, "ike": { "enabled": false }, "dataplane": { "enabled": false } }""");
        GraphState state = GraphStateReader.Read(status.RootElement, null);
        Assert.Equal("solo", state.Host);
        Assert.Null(state.Policy);
        Assert.Empty(state.Peers);
        Assert.Empty(state.Guests);
        Assert.Empty(state.Blocked);
        Assert.StartsWith("<?xml", SvgGraph.Compose(state), StringComparison.Ordinal);
    }
}
