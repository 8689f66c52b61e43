using System.Net.Sockets;
using Overlay.Cluster.Records;
using Overlay.Daemon.IkeHost;

namespace Overlay.Daemon.ClusterHost;

/// <summary>
/// The inventory (<c>hosts/</c> and <c>enroll/</c>) judged by <see cref="InventoryJudge"/> against the running policy,
/// on every change and once a second while a gone host is in its grace; the admitted hosts become IKE's dynamic peers
/// (<see cref="PeerBook.SetDynamic"/>: etherip, what <c>[ike]</c> gives every peer) and the enrolled AKs the pins of
/// their hosts (<see cref="IkeRuntime.EnrolledAks"/>). Only while connected: a disconnected daemon keeps what it had.
/// Each ignored (host, reason) is logged once.
/// </summary>
public sealed partial class ClusterService
{
    private readonly Lock _inventoryLock = new();
    private readonly HashSet<(string Host, string Reason)> _ignoredLogged = [];
    private readonly HashSet<string> _shadowLogged = [];

    private void InventoryChanged()
    {
        if (!_state.Connected || _config.Cluster is not { } cluster)
        {
            return;
        }

        lock (_inventoryLock)
        {
            var policy = _policy.Current.Policy;
            var input = new InventoryJudge.Input(
                _hostsMirror.Snapshot(), _enrollMirror.Snapshot(), policy.Hosts.Select(h => h.Name).ToHashSet(StringComparer.Ordinal),
                _config.Host, policy.Tvds.Any(t => t.Attestation is not null),
                _config.DataPlane?.Underlay.AddressFamily ?? AddressFamily.InterNetwork, cluster.PeerGrace);
            InventoryView previous = _state.Inventory;
            (InventoryView view, IReadOnlyDictionary<string, string> enrolled) = InventoryJudge.Judge(input, previous, _time.GetUtcNow());
            _state.SetRevision(Math.Max(_hostsMirror.Revision, _enrollMirror.Revision));
            _ike.EnrolledAks.Enrolled = enrolled;
            LogChanges(previous, view);
            _state.SetInventory(view);
            _ike.Book.SetDynamic([.. view.Admitted.Select(a => new DynamicPeer(a.Registration.Host, a.PeerAddress, a.Registration.NattPort, a.Registration.IkePort))]);
            foreach (string host in _ike.Book.Shadowed.Where(_shadowLogged.Add))
            {
                ClusterLog.Shadowed(_logger, host);
            }
        }
    }

    private void LogChanges(InventoryView previous, InventoryView view)
    {
        var before = previous.Admitted.ToDictionary(a => a.Registration.Host, StringComparer.Ordinal);
        foreach (AdmittedHost host in view.Admitted)
        {
            AdmittedHost? old = before.GetValueOrDefault(host.Registration.Host);
            if (old is null || !old.PeerAddress.Equals(host.PeerAddress))
            {
                ClusterLog.PeerAdmitted(_logger, host.Registration.Host, host.PeerAddress.ToString(), host.Registration.IkePort, host.Registration.NattPort);
            }
            else if (old.GraceUntil is null && host.GraceUntil is not null)
            {
                ClusterLog.PeerInGrace(_logger, host.Registration.Host, (int)(_config.Cluster?.PeerGrace.TotalSeconds ?? 0));
            }
        }

        HashSet<string> now = [.. view.Admitted.Select(a => a.Registration.Host)];
        foreach (AdmittedHost gone in previous.Admitted.Where(a => !now.Contains(a.Registration.Host)))
        {
            string why = view.Ignored.FirstOrDefault(i => i.Host == gone.Registration.Host) is { } ignored ? ignored.Reason : "registration gone, grace over";
            ClusterLog.PeerDropped(_logger, gone.Registration.Host, why);
        }

        foreach (IgnoredHost ignored in view.Ignored.Where(i => i.Reason != InventoryReasons.Self && _ignoredLogged.Add((i.Host, i.Reason))))
        {
            ClusterLog.Ignored(_logger, ignored.Host, ignored.Reason, ignored.Detail);
        }
    }

    /// <summary>Hosts in grace leave when it ends, even if nothing else changes.</summary>
    private async Task GraceLoopAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), _time);
        while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
        {
            if (_state.Inventory.Admitted.Any(a => a.GraceUntil is not null))
            {
                InventoryChanged();
            }
        }

        throw new OperationCanceledException(ct);
    }

    private void EpochChanged()
    {
        if (_epochMirror.Snapshot().TryGetValue("", out byte[]? value) && EpochRecord.TryParse(value, out EpochRecord epoch, out _))
        {
            _state.SetEpoch(new EpochView(epoch.Epoch, epoch.Leader, epoch.At));
        }
    }
}
