using System.Diagnostics.Metrics;
using Overlay.Attest.Handshake;
using Overlay.Daemon.IkeHost;
using Overlay.Ike.Sa;
using Overlay.Labels.Compiled;
using Overlay.Labels.Decisions;

namespace Overlay.Daemon.Metrics;

/// <summary>
/// IKE instruments: SAs by state, handshakes by result and reason, and per configured peer what it proved: the join
/// verdict per TVD both hosts may carry (asked of the engine without auditing, as the status does) and its evidence's age.
/// </summary>
public sealed partial class OverlayMetrics
{
    private void CreateIkeInstruments()
    {
        Meter.CreateObservableGauge("tvd_ike_sas", IkeSas,
            description: "IKE SAs by state (created, connecting, established, deleting)");
        Meter.CreateObservableGauge("tvd_child_sas", ChildSas,
            description: "CHILD_SAs of live IKE SAs by state (installed; rekeyed: replaced, waiting for its delete)");
        Meter.CreateObservableCounter("tvd_ike_handshakes", Handshakes,
            description: "Handshakes of new IKE SAs by result (established, failed) and reason (ok, or the failure's class)");
        Meter.CreateObservableCounter("tvd_ike_failures", Failures,
            description: "IKE failures by reason (.ike.failures of tvdctl status), each counted; the log line is rate-limited");
        Meter.CreateObservableGauge("tvd_attestation_verdict", AttestationVerdicts,
            description: "1 for the join decision that stands now per configured peer and TVD (verdict allow or deny), with the peer's evidence");
        Meter.CreateObservableGauge("tvd_attestation_evidence_age", EvidenceAges, "s",
            description: "Age of the evidence a configured peer last presented on its current IKE SA (from our challenge)");
    }

    private IEnumerable<Measurement<int>> IkeSas()
    {
        if (_ike.Manager is not { } manager)
        {
            return [];
        }

        IReadOnlyList<IkeSa> sas = manager.Sas;
        return [.. Enum.GetValues<IkeSaState>().Where(s => s != IkeSaState.Destroyed)
            .Select(state => new Measurement<int>(sas.Count(sa => sa.State == state), Tag("state", state.ToString().ToLowerInvariant())))];
    }

    private IEnumerable<Measurement<int>> ChildSas()
    {
        if (_ike.Manager is not { } manager)
        {
            return [];
        }

        int installed = 0, rekeyed = 0;
        foreach (IkeSa sa in manager.Sas.Where(sa => sa.State is IkeSaState.Established or IkeSaState.Deleting))
        {
            foreach (ChildSa child in sa.Children)
            {
                _ = child.ReplacedBy is null ? installed++ : rekeyed++;
            }
        }

        return [new Measurement<int>(installed, Tag("state", "installed")), new Measurement<int>(rekeyed, Tag("state", "rekeyed"))];
    }

    /// <summary>Every (result, reason) the IKE subsystem has counted, whatever reasons it knows: new ones appear by themselves.</summary>
    private IEnumerable<Measurement<long>> Handshakes() =>
        [.. _ike.Handshakes.Snapshot().Select(c => new Measurement<long>(c.Count, Tag("result", c.Result), Tag("reason", c.Reason)))];

    /// <summary>Every reason, zeros included (as the status lists them), so an alert on a rate never sees a missing series.</summary>
    private IEnumerable<Measurement<long>> Failures() => _ike.Failures is not { } failures
        ? []
        : [.. IkeFailureReasons.All.Select(r => new Measurement<long>(failures.Count(r), Tag("reason", r.Name())))];

    private IEnumerable<Measurement<int>> AttestationVerdicts()
    {
        if (_ike.Manager is not { } manager)
        {
            return [];
        }

        DateTimeOffset now = _time.GetUtcNow();
        IReadOnlyList<IkeSa> sas = manager.Sas;
        var points = new List<Measurement<int>>();
        foreach (IkePeer peer in _ike.Peers)
        {
            IkeSa? current = CurrentSa(sas, peer);
            foreach (CompiledTvd tvd in _policy.Engine.CarriableTvds(_policy.HostName, peer.Identity))
            {
                Decision decision = _policy.Engine.DecideJoin(tvd.WireLabel, _policy.HostName, peer.Identity,
                    current?.PeerAttestation as IAttestationStatus, now);
                points.Add(new Measurement<int>(1, Tag("peer", peer.Name), Tag("tvd", tvd.Name), Tag("verdict", decision.Allowed ? "allow" : "deny")));
            }
        }

        return points;
    }

    private IEnumerable<Measurement<double>> EvidenceAges()
    {
        if (_ike.Manager is not { } manager)
        {
            return [];
        }

        DateTimeOffset now = _time.GetUtcNow();
        IReadOnlyList<IkeSa> sas = manager.Sas;
        var points = new List<Measurement<double>>();
        foreach (IkePeer peer in _ike.Peers)
        {
            if (CurrentSa(sas, peer)?.PeerAttestation is PeerAttestation { Appraisal.ChallengeIssuedAt: { } issued })
            {
                points.Add(new Measurement<double>((now - issued).TotalSeconds, Tag("peer", peer.Name)));
            }
        }

        return points;
    }

    /// <summary>The peer's newest established, not superseded IKE SA (what the status calls current).</summary>
    private static IkeSa? CurrentSa(IReadOnlyList<IkeSa> sas, IkePeer peer) =>
        sas.Where(sa => sa.State == IkeSaState.Established && sa.SupersededBy is null && sa.Remote.Address.Equals(peer.Address))
            .OrderByDescending(sa => sa.EstablishedAt).FirstOrDefault();
}
