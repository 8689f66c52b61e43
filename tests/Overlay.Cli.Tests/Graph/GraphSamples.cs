using Overlay.Cli.Graph;

namespace Overlay.Cli.Tests.Graph;

/// <summary>The demo's shape: host1 with a grid server and an office guest, host2 attested for grid, host3 refused grid.</summary>
internal static class GraphSamples
{
    public static GraphState Demo() => new(
        "host1",
        "demo v1",
        [new GraphTvd("grid", "tvd:grid", 201, "known-good"), new GraphTvd("office", "tvd:office", 202, null)],
        [
            new GraphGuest("boinc-server", "running", [new GraphGuestPort("h1grid", "grid-net", "grid", false, null)], null),
            new GraphGuest("office1", "running", [new GraphGuestPort("h1office", "office-net", "office", false, null)], null),
            new GraphGuest("rogue", "defined", [new GraphGuestPort("h1rogue", "grid-net", null, true, "deny: ste: guest rogue (types office) and network grid-net (types grid) share no type")],
                "deny: chinese-wall: type office conflicts with grid"),
        ],
        [
            new GraphPeer("host2", "10.200.0.2", [
                new GraphLink("grid", LinkState.Up, LinkAttestation.Attested, 4.2, null),
                new GraphLink("office", LinkState.Up, LinkAttestation.NotRequired, null, null),
            ], null),
            new GraphPeer("host3", "10.200.0.3", [
                new GraphLink("grid", LinkState.Refused, LinkAttestation.Refused, 3, "host host3 does not meet 'known-good' for TVD grid: ref.unknown /usr/bin/x"),
                new GraphLink("office", LinkState.Up, LinkAttestation.NotRequired, null, null),
            ], "attestation_refused"),
        ],
        [new GraphRefusal("host3", "grid", "us", "attestation: host host3 does not meet 'known-good' for TVD grid: ref.unknown /usr/bin/x", 3)],
        [
            new GraphBlocked("peer host2", "office", "foreign_tag", 17, null),
            new GraphBlocked("port h1rogue", null, "refused_port", 0, "guest rogue on grid-net: deny: ste"),
        ]);
}
