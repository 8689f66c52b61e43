using Overlay.Daemon.Configuration;
using Overlay.Daemon.DataPlaneHost;
using Overlay.Daemon.Tests.Support;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Sa;
using Overlay.Labels.Audit;
using Overlay.Labels.Compiled;
using Overlay.Labels.Decisions;
using Overlay.Labels.Engine;
using Overlay.Labels.Loading;
using Overlay.Labels.Model;

namespace Overlay.Daemon.Tests.DataPlaneHost;

/// <summary>
/// Static SAs and ports go through the policy engine's decisions as IKE's CHILD_SAs and managed guests do: a
/// static tunnel is a join (carriage, attestation), a static port a start (host authorization, Chinese Wall) and an
/// attach (STE); after a reload each is asked again, and every denial is in the audit trail.
/// </summary>
public sealed class StaticBindingsTests
{
    private static readonly ConfigLocation Here = new("/etc/tvd-overlay/overlayd.toml", 1, 1);
    private readonly InMemoryDecisionAudit _audit = new();

    [Fact]
    public void A_static_tunnel_whose_TVD_the_peer_host_may_not_run_is_refused_and_audited()
    {
        var bindings = new StaticBindings(new PolicyEngine(Compile(Policy(1)), _audit), "host1", TimeProvider.System);

        Assert.True(bindings.Admit(Tunnel("host2", "red")).Allowed);
        Decision refused = bindings.Admit(Tunnel("host4", "red"));

        Assert.False(refused.Allowed);
        Assert.Equal(DecisionRule.Carriage, refused.Rule);
        Assert.Contains(_audit.Snapshot(), r => r.Kind == AuditKind.Decision && r.Decision.Action == DecisionAction.Join
            && !r.Decision.Allowed && r.Decision.PeerHost?.Name == "host4");
    }

    [Fact]
    public void A_static_tunnel_into_a_TVD_that_requires_attestation_is_refused_a_static_peer_proves_nothing()
    {
        CompiledPolicy example = CompiledPolicy.Compile(PolicyLoader.LoadFile(RepoFiles.ExamplePolicy).Policy!);
        var bindings = new StaticBindings(new PolicyEngine(example, _audit), "host1", TimeProvider.System);

        Decision red = bindings.Admit(new StaticTunnel("host2", "red", "tvd:red", []));

        Assert.False(red.Allowed);
        Assert.Contains("presented no evidence", red.Reason, StringComparison.Ordinal);
        Assert.True(bindings.Admit(new StaticTunnel("host2", "green", "tvd:green", [])).Allowed);
    }

    [Fact]
    public void A_static_port_whose_guest_this_host_may_not_run_is_refused_by_host_authorization()
    {
        var engine = new PolicyEngine(Compile(Policy(1)), _audit);
        var bindings = new StaticBindings(engine, "host1", TimeProvider.System);

        Decision green = bindings.AdmitPort(Port("green1", "green-net"));
        Decision red = bindings.AdmitPort(Port("red1", "red-net"));

        Assert.False(green.Allowed);
        Assert.Equal(DecisionRule.HostAuthorization, green.Rule);
        Assert.True(red.Allowed);
        Assert.Equal([new RunningGuest("host1", "red1")], engine.Snapshot().Running);
        Assert.Equal([new Binding("red1", "red-net")], engine.Snapshot().Bindings);
    }

    [Fact]
    public void Two_static_ports_of_conflicting_guests_are_refused_by_the_Chinese_Wall()
    {
        var bindings = new StaticBindings(new PolicyEngine(Compile(Policy(1)), _audit), "host1", TimeProvider.System);

        Assert.True(bindings.AdmitPort(Port("hertz", "red-net")).Allowed);
        Decision avis = bindings.AdmitPort(Port("avis", "red-net"));

        Assert.False(avis.Allowed);
        Assert.Equal(DecisionRule.ChineseWall, avis.Rule);
    }

    [Fact]
    public void After_a_reload_what_the_new_version_denies_is_revoked_audited_and_the_rest_stays()
    {
        var engine = new PolicyEngine(Compile(Policy(1)), _audit);
        var bindings = new StaticBindings(engine, "host1", TimeProvider.System);
        StaticTunnel toHost2 = Tunnel("host2", "red"), toHost3 = Tunnel("host3", "red");
        PortConfig red = Port("red1", "red-net"), blue = Port("blue1", "blue-net");
        Assert.All([bindings.Admit(toHost2), bindings.Admit(toHost3), bindings.AdmitPort(red), bindings.AdmitPort(blue)], d => Assert.True(d.Allowed));

        // Version 2: host2 may no longer run red; this host may no longer run blue.
        Assert.True(engine.Reload(Compile(Policy(2)), revoke: true).Committed);

        Decision? revoked = bindings.Revoked(toHost2);
        Assert.NotNull(revoked);
        Assert.Equal(DecisionRule.Carriage, revoked.Value.Rule);
        Assert.Equal(2, revoked.Value.Policy.Version);
        Assert.Null(bindings.Revoked(toHost3));
        EngineSnapshot snapshot = engine.Snapshot();
        Assert.Null(bindings.RevokedPort(red, snapshot));
        Assert.Equal("policy version 2 no longer lets guest 'blue1' run on host 'host1'", bindings.RevokedPort(blue, snapshot));
        Assert.Contains(_audit.Snapshot(), r => r.Kind == AuditKind.Decision && r.Decision.Action == DecisionAction.Join
            && !r.Decision.Allowed && r.Decision.PeerHost?.Name == "host2" && r.Decision.Policy.Version == 2);
        Assert.Contains(_audit.Snapshot(), r => r.Kind == AuditKind.Revocation && r.Revocation!.Guest == "blue1");
        Assert.DoesNotContain(engine.Snapshot().Bindings, b => b.Guest == "blue1");
    }

    private static StaticTunnel Tunnel(string peer, string tvd)
    {
        var peerConfig = new PeerConfig(peer, System.Net.IPAddress.Loopback, 4500, Here);
        var sa = new StaticSaConfig(peer, tvd, SaDirection.Outbound, 0x1101, new byte[20], InnerMode.EtherIp, true, Here, Here, Here);
        CompiledTvd compiled = Compile(Policy(1)).FindTvd(tvd)!;
        var descriptor = new SaDescriptor(new System.Net.IPEndPoint(peerConfig.Address, peerConfig.Port), (ushort)compiled.VlanId, compiled.WireLabel,
            SaDirection.Outbound, 0x1101, EspCipher.AesGcm128, new byte[20], InnerMode.EtherIp, SaLifetime.Unlimited, true);
        return new StaticTunnel(peer, tvd, compiled.WireLabel, [new BoundSa(sa, peerConfig, compiled, descriptor)]);
    }

    private static PortConfig Port(string guest, string network) => new($"p-{guest}", $"if-{guest}", guest, network, Here);

    private static CompiledPolicy Compile(string text)
    {
        PolicyLoadResult loaded = PolicyLoader.Load(text, "policy.toml");
        Assert.True(loaded.Succeeded, string.Join("\n", loaded.Errors));
        return CompiledPolicy.Compile(loaded.Policy!);
    }

    /// <summary>
    /// Version 1: host1 runs red and blue, host2 and host3 everything, host4 only blue. Version 2: host1 runs only red,
    /// host2 only blue.
    /// </summary>
    private static string Policy(int version) => $"""
        [policy]
        name = "static"
        version = {version}
        {(version > 1 ? $"replaces = {version - 1}" : "")}

        [[tvd]]
        name = "red"
        vlan = 101
        label = "tvd:red"

        [[tvd]]
        name = "blue"
        vlan = 102
        label = "tvd:blue"

        [[tvd]]
        name = "green"
        vlan = 103
        label = "tvd:green"

        [[conflict_set]]
        name = "car-rental"
        types = ["hertz", "avis"]

        [[guest]]
        name = "red1"
        types = ["red"]
        networks = ["red-net"]

        [[guest]]
        name = "blue1"
        types = ["blue"]
        networks = ["blue-net"]

        [[guest]]
        name = "green1"
        types = ["green"]
        networks = ["green-net"]

        [[guest]]
        name = "hertz"
        types = ["red"]
        cw_types = ["hertz"]
        networks = ["red-net"]

        [[guest]]
        name = "avis"
        types = ["red"]
        cw_types = ["avis"]
        networks = ["red-net"]

        [[network]]
        name = "red-net"
        tvd = "red"

        [[network]]
        name = "blue-net"
        tvd = "blue"

        [[network]]
        name = "green-net"
        tvd = "green"

        [[host]]
        name = "host1"
        types = {(version == 1 ? "[\"red\", \"blue\", \"hertz\", \"avis\"]" : "[\"red\", \"hertz\", \"avis\"]")}

        [[host]]
        name = "host2"
        types = {(version == 1 ? "[\"*\"]" : "[\"blue\"]")}

        [[host]]
        name = "host3"
        types = ["*"]

        [[host]]
        name = "host4"
        types = ["blue"]
        """;
}
