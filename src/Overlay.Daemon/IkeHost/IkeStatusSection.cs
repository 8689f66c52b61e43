using System.Text.Json;
using Overlay.Daemon.Configuration;
using Overlay.Daemon.Status;
using Overlay.DataPlane.Esp;
using Overlay.Ike.Net;
using Overlay.Ike.Sa;

namespace Overlay.Daemon.IkeHost;

/// <summary>
/// The <c>ike</c> section of <c>tvdctl status</c>: our identity and ports, the peers, every IKE SA
/// (peer, state, SPIs, age, its CHILD_SAs) and every installed CHILD_SA (label, SPIs, rekeys).
/// <c>{"enabled":false}</c> when IKE does not run.
/// </summary>
public sealed partial class IkeStatusSection : IStatusSection
{
    private readonly IkeRuntime _runtime;
    private readonly Policy.PolicyStore _policy;
    private readonly TimeProvider _time;

    public IkeStatusSection(IkeRuntime runtime, Policy.PolicyStore policy, TimeProvider time) => (_runtime, _policy, _time) = (runtime, policy, time);

    public string Name => "ike";

    public void Write(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        if (_runtime.Manager is not { } manager || _runtime.Transport is not { } transport)
        {
            writer.WriteBoolean("enabled", false);
            writer.WriteEndObject();
            return;
        }

        writer.WriteBoolean("enabled", true);
        writer.WriteString("local_id", _runtime.LocalId);
        writer.WriteNumber("ike_port", transport.IkeEndpoint.Port);
        writer.WriteNumber("nat_t_port", transport.NatTraversalEndpoint.Port);
        writer.WriteNumber("workers", transport.Options.Workers);
        if (_runtime.KeyExportPath is { } keys)
        {
            writer.WriteString("key_export", keys);
        }

        writer.WriteStartObject("counters");
        IkeTransportStats stats = transport.Stats;
        writer.WriteNumber("received", stats.Received);
        writer.WriteNumber("sent", stats.Sent);
        writer.WriteNumber("errors", stats.SendErrors + stats.ReceiveErrors + stats.HandlerErrors);
        writer.WriteNumber("unrouted", manager.Dropped);
        writer.WriteNumber("half_open", manager.HalfOpenCount);
        HalfOpenCounters halfOpen = manager.HalfOpenCounters;
        writer.WriteNumber("half_open_expired", halfOpen.Expired);
        writer.WriteNumber("init_malformed", halfOpen.Malformed);
        writer.WriteNumber("init_per_source_limited", halfOpen.PerSourceLimited);
        writer.WriteNumber("half_open_displaced", halfOpen.PerSourceDisplaced);
        writer.WriteNumber("cookies_sent", manager.Cookies?.CookiesSent ?? 0);
        writer.WriteEndObject();
        WriteFailures(writer);
        WriteQueue(writer, stats, transport.Options);
        WriteHandshakes(writer);
        WritePeers(writer, manager);
        WriteIkeSas(writer, manager);
        WriteChildren(writer);
        writer.WriteEndObject();
    }

    /// <summary>Failed negotiations by reason, every reason listed (zeros too) by its stable name (<see cref="IkeFailureReasons"/>).</summary>
    private void WriteFailures(Utf8JsonWriter writer)
    {
        writer.WriteStartObject("failures");
        foreach (IkeFailureReason reason in IkeFailureReasons.All)
        {
            writer.WriteNumber(reason.Name(), _runtime.Failures?.Count(reason) ?? 0);
        }

        writer.WriteEndObject();
    }

    /// <summary>The last failed negotiation with this peer, if any: reason, which side refused, what happened, when.</summary>
    private void WriteLastFailure(Utf8JsonWriter writer, IkePeer peer)
    {
        if (_runtime.Failures?.Last(peer.Address) is not { } last)
        {
            return;
        }

        writer.WriteStartObject("last_failure");
        writer.WriteString("reason", last.Failure.Reason.Name());
        writer.WriteBoolean("by_peer", last.Failure.ByPeer);
        writer.WriteString("detail", last.Failure.Detail);
        writer.WriteString("at", last.At.UtcDateTime);
        writer.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter writer, string name, IReadOnlyList<string> values)
    {
        writer.WriteStartArray(name);
        foreach (string value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }

    /// <summary>The inbound queue between the receiving threads and the IKE workers; a drop here is an IKE message lost, never ESP.</summary>
    private static void WriteQueue(Utf8JsonWriter writer, IkeTransportStats stats, IkeTransportOptions options)
    {
        writer.WriteStartObject("queue");
        writer.WriteNumber("capacity", options.QueueCapacity);
        writer.WriteNumber("depth", stats.Queued);
        writer.WriteNumber("high_water", stats.QueueHighWater);
        writer.WriteNumber("processed", stats.Processed);
        writer.WriteNumber("dropped_full", stats.DroppedQueueFull);
        writer.WriteNumber("dropped_runt", stats.DroppedRunts);
        writer.WriteNumber("handler_errors", stats.HandlerErrors);
        writer.WriteEndObject();
    }

    private void WritePeers(Utf8JsonWriter writer, IkeSaManager manager)
    {
        DateTimeOffset now = _time.GetUtcNow();
        IReadOnlyList<IkeSa> sas = manager.Sas;
        writer.WriteStartArray("peers");
        foreach (IkePeer peer in _runtime.Peers)
        {
            IkeSa? current = sas.Where(sa => sa.State == IkeSaState.Established && sa.SupersededBy is null && sa.Remote.Address.Equals(peer.Address))
                .OrderByDescending(sa => sa.EstablishedAt).FirstOrDefault();
            writer.WriteStartObject();
            writer.WriteString("name", peer.Name);
            writer.WriteString("id", peer.Identity);
            writer.WriteString("address", peer.Address.ToString());
            writer.WriteBoolean("initiator", peer.Initiates);
            writer.WriteString("auth", peer.Auth == IkeAuth.Pubkey ? "pubkey" : "psk");
            writer.WriteString("mode", peer.Mode == Overlay.DataPlane.Esp.InnerMode.Ip ? "ip" : "etherip");
            WriteLastFailure(writer, peer);
            WritePeerTvds(writer, peer, current, now);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private void WriteIkeSas(Utf8JsonWriter writer, IkeSaManager manager)
    {
        DateTimeOffset now = _time.GetUtcNow();
        writer.WriteStartArray("ike_sas");
        foreach (IkeSa sa in manager.Sas.Where(sa => sa.State != IkeSaState.Destroyed).OrderBy(sa => sa.Remote.ToString()))
        {
            writer.WriteStartObject();
            writer.WriteString("peer", sa.PeerIdentity?.ToString());
            writer.WriteString("remote", sa.Remote.ToString());
            writer.WriteString("state", sa.State.ToString().ToLowerInvariant());
            writer.WriteBoolean("initiator", sa.IsOriginalInitiator);
            writer.WriteString("spi_i", sa.InitiatorSpi.ToString("x16", System.Globalization.CultureInfo.InvariantCulture));
            writer.WriteString("spi_r", sa.ResponderSpi.ToString("x16", System.Globalization.CultureInfo.InvariantCulture));
            writer.WriteBoolean("rekeyed", sa.SupersededBy is not null);
            if (sa.EstablishedAt is { } at)
            {
                writer.WriteNumber("age_s", Math.Round((now - at).TotalSeconds, 1));
            }

            writer.WriteString("suite", sa.Suite?.ToString());
            if (sa.PeerCertificate is { } certificate)
            {
                writer.WriteString("peer_certificate", certificate.Subject);
            }

            writer.WriteNumber("children", sa.Children.Count);
            writer.WriteString("nat", sa.LocalBehindNat ? "local" : sa.RemoteBehindNat ? "remote" : "none"); // who is behind a NAT (RFC 7296 §2.23)
            writer.WriteNumber("nat_keepalives_sent", sa.NatKeepalivesSent);
            if (sa.ChildFailureReason is { } failure)
            {
                writer.WriteString("last_child_failure", failure);
            }

            WriteSaAttestation(writer, sa, now);

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private void WriteChildren(Utf8JsonWriter writer)
    {
        writer.WriteStartArray("child_sas");
        foreach (ChildRecord child in _runtime.Children)
        {
            writer.WriteStartObject();
            writer.WriteString("peer", child.Peer);
            writer.WriteString("label", child.Label);
            writer.WriteString("in_spi", child.InboundSpi.ToString("x8", System.Globalization.CultureInfo.InvariantCulture));
            writer.WriteString("out_spi", child.OutboundSpi.ToString("x8", System.Globalization.CultureInfo.InvariantCulture));
            writer.WriteString("suite", child.Suite);
            writer.WriteString("installed_at", child.InstalledAt.UtcDateTime);
            writer.WriteNumber("rekeys", child.Rekeys);
            WriteStrings(writer, "local_ts", child.LocalTs);
            WriteStrings(writer, "remote_ts", child.RemoteTs);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }
}
