using System.Net;
using System.Net.Sockets;
using Overlay.Cluster.Inventory;
using Overlay.Cluster.Records;
using Overlay.Cluster.Sync;
using Overlay.Daemon.IkeHost;

namespace Overlay.Daemon.ClusterHost;

/// <summary>
/// The inventory judged by <see cref="HostInventory"/> against the running policy (its host names; whether any TVD
/// requires attestation); the admitted hosts become IKE's dynamic peers (<see cref="PeerBook.SetDynamic"/>: etherip,
/// what <c>[ike]</c> gives every peer, at their first underlay address of our family) and the enrolled AKs the pins of
/// their hosts (<see cref="IkeRuntime.EnrolledAks"/>, decided in Common/Policy/EnrolledAkPins). A peer that leaves the
/// book loses its SAs on IKE's next pass (<see cref="Overlay.Ike.Peers.PeerReconciler.UpdatePeers"/>).
/// </summary>
public sealed partial class ClusterService
{
    private readonly HashSet<string> _shadowLogged = [];
    private InventoryInput? _lastInput;

    private void UpdateInventory(ClusterMirror mirror, HostInventory inventory)
    {
        var policy = _policy.Current.Policy;
        InventoryInput input = HostInventory.InputFrom(_keys, mirror.Under(_keys.HostsPrefix), mirror.Under(_keys.EnrollPrefix),
            policy.Hosts.Select(h => h.Name).ToHashSet(StringComparer.Ordinal), policy.Tvds.Any(t => t.Attestation is not null));
        Overlay.Cluster.Inventory.InventoryView judged = SameInput(input, _lastInput) ? inventory.Tick() : inventory.Update(input);
        _lastInput = input;

        IReadOnlyList<AddressFamily> families = _config.DataPlane?.Underlays.Select(a => a.AddressFamily).ToArray() ?? [AddressFamily.InterNetwork];
        var view = new InventoryView(
            [.. judged.Admitted.Select(p => new AdmittedHost(p.Registration, PeerAddress(p.Registration, families), p.DropAt))],
            [.. judged.Ignored.Where(i => i.Reason != IgnoreReason.Self).Select(i => new IgnoredHost(i.Host, i.Reason.ToWire(), i.Detail))]);
        foreach (var ignored in judged.NewlyIgnored.Where(i => i.Reason != IgnoreReason.Self))
        {
            ClusterLog.Ignored(_logger, ignored.Host, ignored.Reason.ToWire(), ignored.Detail);
        }

        var enrolled = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var kv in mirror.Under(_keys.EnrollPrefix))
        {
            if (Enrollment.TryParse(kv.Value, out Enrollment enrollment, out _) && kv.Key == _keys.EnrollPrefix + enrollment.Host)
            {
                enrolled[enrollment.Host] = enrollment.AkSha256;
            }
        }

        if (!SameEnrollments(enrolled, _ike.EnrolledAks.Enrolled))
        {
            _ike.EnrolledAks.Enrolled = enrolled;
        }

        LogChanges(_state.Inventory, view);
        _state.SetInventory(view);
        _ike.Book.SetDynamic([.. view.Admitted.Select(a => new DynamicPeer(a.Registration.Host, a.PeerAddress, a.Registration.NattPort, a.Registration.IkePort))]);
        foreach (string host in _ike.Book.Shadowed.Where(_shadowLogged.Add))
        {
            ClusterLog.Shadowed(_logger, host);
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
            else if (old.GraceUntil is null && host.GraceUntil is { } until)
            {
                ClusterLog.PeerInGrace(_logger, host.Registration.Host, until);
            }
        }

        HashSet<string> now = [.. view.Admitted.Select(a => a.Registration.Host)];
        foreach (AdmittedHost gone in previous.Admitted.Where(a => !now.Contains(a.Registration.Host)))
        {
            string why = view.Ignored.FirstOrDefault(i => i.Host == gone.Registration.Host) is { } ignored ? ignored.Reason : "registration gone, grace over";
            ClusterLog.PeerDropped(_logger, gone.Registration.Host, why);
        }
    }

    /// <summary>Its first underlay address of our family (IKE and ESP go over one family), else its first.</summary>
    /// <summary>
    /// The peer's registered address to reach it on: of a family both hosts have, IPv6 before IPv4 whatever order
    /// either host lists its addresses in, so two dual-stack hosts meet on the same family from both sides (the
    /// tunnel's key and the lower-address-initiates rule need that); its first address when no family is shared.
    /// </summary>
    internal static IPAddress PeerAddress(HostRegistration r, IReadOnlyList<AddressFamily> families)
    {
        IReadOnlyList<IPAddress> addresses = r.UnderlayAddresses();
        return PreferredFamilies.Where(families.Contains).Select(f => addresses.FirstOrDefault(a => a.AddressFamily == f))
            .FirstOrDefault(a => a is not null) ?? addresses[0];
    }

    private static readonly AddressFamily[] PreferredFamilies = [AddressFamily.InterNetworkV6, AddressFamily.InterNetwork];

    private static bool SameInput(InventoryInput a, InventoryInput? b) =>
        b is not null && a.RequireAk == b.RequireAk && a.PolicyHosts.SetEquals(b.PolicyHosts) && Same(a.Registrations, b.Registrations)
        && Same(a.Enrollments, b.Enrollments);

    private static bool Same(IReadOnlyDictionary<string, ReadOnlyMemory<byte>> a, IReadOnlyDictionary<string, ReadOnlyMemory<byte>> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v.Span.SequenceEqual(kv.Value.Span));

    private static bool SameEnrollments(Dictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out string? v) && v == kv.Value);

    private void UpdateEpoch(ClusterMirror mirror)
    {
        if (mirror.Get(_keys.EpochCurrent) is { } kv && EpochRecord.TryParse(kv.Value, out EpochRecord epoch, out _))
        {
            _state.SetEpoch(new EpochView(epoch.Epoch, epoch.Leader, epoch.At), epoch.ValueBytesArray(), _time.GetUtcNow());
        }
    }
}
