using Overlay.Daemon.Configuration;
using Overlay.Labels.Decisions;
using Overlay.Labels.Engine;

namespace Overlay.Daemon.DataPlaneHost;

/// <summary>A static (peer, TVD) tunnel: the <c>[[dataplane.sa]]</c> entries that key it.</summary>
public sealed record StaticTunnel(string Peer, string TvdName, string Label, IReadOnlyList<BoundSa> Sas);

/// <summary>
/// Asks the policy engine about the static part of <c>[dataplane]</c> exactly as it is asked about what IKE and
/// the guest manager make, at start and after every committed reload; it decides nothing itself.
/// <list type="bullet">
/// <item>A static (peer, TVD) tunnel is a join (<see cref="PolicyEngine.Join"/>, audited): carriage — both hosts
/// may run the TVD's type — and, for a TVD that names an attestation requirement, evidence, which a statically
/// keyed peer never presents; so such a TVD takes no static SA.</item>
/// <item>A static port is its guest running on this host (<see cref="PolicyEngine.Start"/>: host authorization and
/// the Chinese Wall, audited, once per guest) bound to its network (<see cref="PolicyEngine.Attach"/>: STE,
/// audited).</item>
/// <item>After a reload a tunnel stays while the unaudited join decision allows it; a denial is asked again of the
/// audited one (as IKE's reconciler does for a CHILD_SA), so every revocation is in the trail. A port stays while
/// the engine still runs its guest here and holds its binding (the reload audited what it revoked).</item>
/// </list>
/// </summary>
public sealed class StaticBindings
{
    private readonly PolicyEngine _engine;
    private readonly string _host;
    private readonly TimeProvider _time;
    private readonly HashSet<string> _started = new(StringComparer.Ordinal);

    public StaticBindings(PolicyEngine engine, string host, TimeProvider time) => (_engine, _host, _time) = (engine, host, time);

    /// <summary>The plan's SAs grouped into their (peer, TVD) tunnels, in config order.</summary>
    public static IReadOnlyList<StaticTunnel> Tunnels(DataPlanePlan plan) =>
        [.. plan.Sas.GroupBy(sa => (sa.Peer.Name, sa.Tvd.Name))
            .Select(g => new StaticTunnel(g.Key.Item1, g.Key.Item2, g.First().Tvd.WireLabel, [.. g]))];

    /// <summary>May this tunnel be installed? The audited join decision.</summary>
    public Decision Admit(StaticTunnel tunnel) => _engine.Join(tunnel.Label, _host, tunnel.Peer, null, _time.GetUtcNow());

    /// <summary>
    /// After a reload: null while the tunnel may stay, else the audited denial that revokes it.
    /// </summary>
    public Decision? Revoked(StaticTunnel tunnel)
    {
        DateTimeOffset now = _time.GetUtcNow();
        if (_engine.DecideJoin(tunnel.Label, _host, tunnel.Peer, null, now).Allowed)
        {
            return null;
        }

        Decision audited = _engine.Join(tunnel.Label, _host, tunnel.Peer, null, now);
        return audited.Allowed ? null : audited;
    }

    /// <summary>
    /// May this port be attached? Its guest must run here (started once, audited) and bind to its network
    /// (audited). The first denial is returned; an allowed attach returns the attach decision.
    /// </summary>
    public Decision AdmitPort(PortConfig port)
    {
        if (!_started.Contains(port.Guest))
        {
            Decision start = _engine.Start(port.Guest, _host);
            if (!start.Allowed)
            {
                return start;
            }

            _started.Add(port.Guest);
        }

        return _engine.Attach(port.Guest, port.Network);
    }

    /// <summary>
    /// After a reload: null while the port may stay, else why it goes (its binding is released in the engine; a
    /// guest the reload stopped is started again, decided anew, by the next <see cref="AdmitPort"/>).
    /// </summary>
    public string? RevokedPort(PortConfig port, EngineSnapshot snapshot)
    {
        bool running = snapshot.Running.Any(r => r.Host == _host && r.Guest == port.Guest);
        bool bound = snapshot.Bindings.Any(b => b.Guest == port.Guest && b.Resource == port.Network);
        if (running && bound)
        {
            return null;
        }

        _engine.Detach(port.Guest, port.Network);
        if (!running)
        {
            _started.Remove(port.Guest);
        }

        return !running
            ? $"policy version {snapshot.PolicyVersion} no longer lets guest '{port.Guest}' run on host '{_host}'"
            : $"policy version {snapshot.PolicyVersion} no longer binds guest '{port.Guest}' to network '{port.Network}'";
    }

    /// <summary>Releases what <see cref="AdmitPort"/> recorded (at stop): bindings, then the guests.</summary>
    public void Release(IEnumerable<PortConfig> attached)
    {
        foreach (PortConfig port in attached)
        {
            _engine.Detach(port.Guest, port.Network);
        }

        foreach (string guest in _started)
        {
            _engine.Stop(guest, _host);
        }

        _started.Clear();
    }
}
