using System.Diagnostics.Metrics;
using System.Net;
using Overlay.Daemon.AttestHost;
using Overlay.Daemon.Configuration;
using Overlay.Daemon.DataPlaneHost;
using Overlay.Daemon.GuestHost;
using Overlay.Daemon.IkeHost;
using Overlay.Daemon.Policy;
using Overlay.DataPlane.Forwarding;
using Overlay.Ike.Sa;

namespace Overlay.Daemon.Metrics;

/// <summary>
/// The daemon's instruments (System.Diagnostics.Metrics, meter <see cref="MeterName"/>), so <c>dotnet-counters</c> and
/// the Prometheus endpoint (<see cref="MetricsService"/>) see the same thing. Nearly all are observable: they read, when
/// a listener collects, the counters the subsystems already keep for <c>tvdctl status</c>, so the packet path pays
/// nothing for them. The two histograms are recorded where the event happens: a handshake's end (IKE's
/// <see cref="HandshakeStats"/>) and a TPM quote (<see cref="AttestRuntime.QuoteTaken"/>). Labels are names bounded by
/// config and policy (TVDs, peers, ports, guests' states, reasons): never an SPI or an address. docs/metrics.md lists
/// every instrument.
/// </summary>
public sealed partial class OverlayMetrics : IDisposable
{
    /// <summary>The meter's name: <c>dotnet-counters monitor -n tvd-overlayd --counters TvdOverlay</c>.</summary>
    public const string MeterName = "TvdOverlay";

    /// <summary>Label for traffic of an SA whose peer address is in no <c>[[dataplane.peer]]</c> (cannot happen for installed SAs).</summary>
    public const string UnknownPeer = "unknown";

    private readonly DataPlaneRuntime _dataPlane;
    private readonly IkeRuntime _ike;
    private readonly PolicyStore _policy;
    private readonly GuestService _guests;
    private readonly AttestRuntime _attest;
    private readonly TimeProvider _time;
    private readonly Dictionary<IPAddress, string> _peerNames;
    private readonly DaemonConfig _config;
    private readonly ClusterHost.ClusterState _cluster;
    private readonly Histogram<double> _handshakeDuration;
    private readonly Histogram<double> _quoteDuration;

    public OverlayMetrics(DaemonConfig config, DataPlaneRuntime dataPlane, IkeRuntime ike, PolicyStore policy, GuestService guests,
        AttestRuntime attest, TimeProvider time, ClusterHost.ClusterState? cluster = null)
    {
        (_dataPlane, _ike, _policy, _guests, _attest, _time) = (dataPlane, ike, policy, guests, attest, time);
        (_config, _cluster) = (config, cluster ?? new ClusterHost.ClusterState());
        _peerNames = [];
        foreach (PeerConfig peer in config.DataPlane?.Peers ?? [])
        {
            _peerNames.TryAdd(peer.Address, peer.Name);
        }

        Meter = new Meter(MeterName, DaemonStatusVersion);
        CreateDataPlaneInstruments();
        CreateIkeInstruments();
        CreateHostInstruments();
        CreateClusterInstruments();
        _handshakeDuration = Meter.CreateHistogram("tvd_ike_handshake_duration", "s",
            "How long new IKE SAs' handshakes took, from the first IKE_SA_INIT to IKE_AUTH done or the SA's end; by result",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = HandshakeBuckets });
        _quoteDuration = Meter.CreateHistogram("tvd_attest_quote_duration", "s",
            "How long each TPM quote attested IKE asked for took (one per batch of challenges)",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = QuoteBuckets });
        _ike.Handshakes.Completed += OnHandshake;
        _attest.QuoteTaken += OnQuote;
    }

    /// <summary>Seconds: a LAN handshake takes milliseconds, an attested one waits for a quote, a lost one for retransmits.</summary>
    public static IReadOnlyList<double> HandshakeBuckets { get; } = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 180];

    /// <summary>Seconds: swtpm answers in milliseconds, a hardware TPM in 50-200 ms.</summary>
    public static IReadOnlyList<double> QuoteBuckets { get; } = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 5];

    public Meter Meter { get; }

    private static string DaemonStatusVersion => Status.DaemonStatusSection.Version;

    public void Dispose()
    {
        _ike.Handshakes.Completed -= OnHandshake;
        _attest.QuoteTaken -= OnQuote;
        Meter.Dispose();
    }

    private void OnHandshake(HandshakeOutcome outcome) =>
        _handshakeDuration.Record(outcome.Elapsed.TotalSeconds, new KeyValuePair<string, object?>("result", outcome.Result));

    private void OnQuote(TimeSpan elapsed) => _quoteDuration.Record(elapsed.TotalSeconds);

    /// <summary>A peer's name for an SA's peer endpoint (bounded by config).</summary>
    private string PeerName(IPEndPoint peer) => _ike.Book.FindByAddress(peer.Address)?.Name ?? _peerNames.GetValueOrDefault(peer.Address, UnknownPeer);

    /// <summary>A TVD's policy name for its wire label (<c>tvd:red</c> → <c>red</c>); the label itself if the policy no longer has it.</summary>
    private string TvdName(string label)
    {
        foreach (var tvd in _policy.Current.Policy.Tvds)
        {
            if (tvd.WireLabel == label)
            {
                return tvd.Name;
            }
        }

        return label;
    }

    private static KeyValuePair<string, object?> Tag(string name, object? value) => new(name, value);
}
