using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Overlay.Daemon.AttestHost;
using Overlay.Daemon.Configuration;
using Overlay.Daemon.DataPlaneHost;
using Overlay.Daemon.GuestHost;
using Overlay.Daemon.IkeHost;
using Overlay.Daemon.Metrics;
using Overlay.Daemon.Policy;
using Overlay.DataPlane.Counters;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Forwarding;
using Overlay.DataPlane.Io;
using Overlay.DataPlane.Sa;
using Overlay.Ike.Sa;
using Overlay.Labels.Compiled;
using Overlay.Labels.Loading;
using Overlay.Labels.Model;

namespace Overlay.Daemon.Tests.Metrics;

/// <summary>
/// The instrument set as a listener (dotnet-counters, the Prometheus exporter) sees it, read through a
/// <see cref="MeterListener"/> over real runtimes: an SA table, the IKE handshake counts, the policy store.
/// </summary>
public sealed class OverlayMetricsTests : IDisposable
{
    private static readonly IPEndPoint H2 = new(IPAddress.Parse("10.200.0.2"), 4500);

    private const string Policy = """
        [policy]
        name = "lab"
        version = 7

        [[tvd]]
        name = "red"
        vlan = 101
        label = "tvd:red"

        [[tvd]]
        name = "blue"
        vlan = 102
        label = "tvd:blue"

        [[host]]
        name = "h1"
        types = ["*"]

        [[host]]
        name = "h2"
        types = ["*"]
        """;

    private readonly DataPlaneRuntime _dataPlane = new();
    private readonly IkeRuntime _ike = new();
    private readonly AttestRuntime _attest = new();
    private readonly PolicyStore _policy;
    private readonly OverlayMetrics _metrics;
    private readonly SaTable _sas = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UnixEpoch);

    public OverlayMetricsTests()
    {
        string config = """
            [daemon]
            host = "h1"
            policy = "/nonexistent/tvd-metrics-test/policy.toml"

            [dataplane]
            underlay = "10.200.0.1"

            [[dataplane.peer]]
            name = "h2"
            address = "10.200.0.2"
            """;
        ConfigLoadResult loaded = DaemonConfigLoader.Load(config, "/etc/tvd-overlay/overlayd.toml");
        Assert.True(loaded.Succeeded, string.Join("\n", loaded.Errors));
        DaemonConfig daemon = loaded.Config!;
        PolicyLoadResult policy = PolicyLoader.Load(Policy, "policy.toml");
        Assert.True(policy.Succeeded, string.Join("\n", policy.Errors));
        var current = new LoadedPolicy(CompiledPolicy.Compile(policy.Policy!), "policy.toml", DateTimeOffset.UnixEpoch);
        _policy = new PolicyStore(daemon, current, TimeProvider.System, NullLogger<PolicyStore>.Instance, NullLoggerFactory.Instance);
        var ports = new RuntimePorts(_dataPlane, _policy, NullLogger<RuntimePorts>.Instance);
        var guests = new GuestService(daemon, _policy, new TpmGuestMeasurer(_attest), ports, NullLoggerFactory.Instance, TimeProvider.System);
        _dataPlane.Pipeline = new Pipeline(new IdleUnderlay(), _sas);
        _metrics = new OverlayMetrics(daemon, _dataPlane, _ike, _policy, guests, _attest, _time);
    }

    public void Dispose()
    {
        _metrics.Dispose();
        _dataPlane.Pipeline?.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Fact]
    public void Every_documented_instrument_exists_with_its_kind_and_unit()
    {
        using var listener = new Listener(_metrics.Meter);

        var expected = new Dictionary<string, (Type Kind, string? Unit)>
        {
            ["tvd_packets"] = (typeof(ObservableCounter<long>), null),
            ["tvd_bytes"] = (typeof(ObservableCounter<long>), null),
            ["tvd_tunnel_drops"] = (typeof(ObservableCounter<long>), null),
            ["tvd_drops"] = (typeof(ObservableCounter<long>), null),
            ["tvd_port_packets"] = (typeof(ObservableCounter<long>), null),
            ["tvd_port_bytes"] = (typeof(ObservableCounter<long>), null),
            ["tvd_port_drops"] = (typeof(ObservableCounter<long>), null),
            ["tvd_port_kernel_drops"] = (typeof(ObservableCounter<long>), null),
            ["tvd_underlay_kernel_drops"] = (typeof(ObservableCounter<long>), null),
            ["tvd_workers"] = (typeof(ObservableGauge<int>), null),
            ["tvd_worker_datagrams"] = (typeof(ObservableCounter<long>), null),
            ["tvd_worker_opened"] = (typeof(ObservableCounter<long>), null),
            ["tvd_esp_sas"] = (typeof(ObservableGauge<int>), null),
            ["tvd_underlay_io"] = (typeof(ObservableGauge<int>), null),
            ["tvd_underlay_xsk_packets"] = (typeof(ObservableCounter<long>), null),
            ["tvd_underlay_xsk_malformed"] = (typeof(ObservableCounter<long>), null),
            ["tvd_underlay_xsk_kernel_sent"] = (typeof(ObservableCounter<long>), null),
            ["tvd_ike_sas"] = (typeof(ObservableGauge<int>), null),
            ["tvd_child_sas"] = (typeof(ObservableGauge<int>), null),
            ["tvd_ike_handshakes"] = (typeof(ObservableCounter<long>), null),
            ["tvd_ike_handshake_duration"] = (typeof(Histogram<double>), "s"),
            ["tvd_ike_failures"] = (typeof(ObservableCounter<long>), null),
            ["tvd_attestation_verdict"] = (typeof(ObservableGauge<int>), null),
            ["tvd_attestation_evidence_age"] = (typeof(ObservableGauge<double>), "s"),
            ["tvd_attest_quote_duration"] = (typeof(Histogram<double>), "s"),
            ["tvd_policy_version"] = (typeof(ObservableGauge<long>), null),
            ["tvd_policy_reloads"] = (typeof(ObservableCounter<long>), null),
            ["tvd_guests"] = (typeof(ObservableGauge<int>), null),
        };

        Assert.Equal(expected.Keys.Order(), listener.Instruments.Select(i => i.Name).Order());
        Assert.All(listener.Instruments, i =>
        {
            Assert.Equal(expected[i.Name].Kind, i.GetType());
            Assert.Equal(expected[i.Name].Unit, i.Unit);
            Assert.False(string.IsNullOrWhiteSpace(i.Description), i.Name);
        });
        Assert.Equal(OverlayMetrics.MeterName, _metrics.Meter.Name);
    }

    [Fact]
    public void Tunnel_traffic_is_labelled_by_tvd_name_peer_name_and_direction_and_survives_a_rekey()
    {
        using var listener = new Listener(_metrics.Meter);
        Install(SaDirection.Inbound, 0x1101).Traffic.Add(100);
        Install(SaDirection.Outbound, 0x2101).Traffic.Add(60);
        EspSa oldIn = Sa(SaDirection.Inbound, 0x1101);
        oldIn.Traffic.Add(100);

        Assert.Equal(2, listener.Value("tvd_packets", ("tvd", "red"), ("peer", "h2"), ("direction", "in")));
        Assert.Equal(200, listener.Value("tvd_bytes", ("tvd", "red"), ("peer", "h2"), ("direction", "in")));
        Assert.Equal(1, listener.Value("tvd_packets", ("tvd", "red"), ("peer", "h2"), ("direction", "out")));

        // A rekey: the new inbound SA takes over and the old one goes; the series keeps what the old one carried.
        Install(SaDirection.Inbound, 0x1102).Traffic.Add(10);
        Assert.True(_sas.Remove(0x1101, SaDirection.Inbound));
        Assert.Equal(2, listener.Value("tvd_packets", ("tvd", "red"), ("peer", "h2"), ("direction", "in"))); // one scrape's snapshot, reused briefly
        _time.Advance(TimeSpan.FromSeconds(1)); // the next scrape

        Assert.Equal(3, listener.Value("tvd_packets", ("tvd", "red"), ("peer", "h2"), ("direction", "in")));
        Assert.Equal(210, listener.Value("tvd_bytes", ("tvd", "red"), ("peer", "h2"), ("direction", "in")));
        Assert.All(listener.Measurements.SelectMany(m => m.Tags.Values), v => Assert.DoesNotContain("10.200.0.2", v?.ToString()));
    }

    [Fact]
    public void A_series_summed_over_sas_never_goes_down_even_if_an_sa_is_missed_between_two_reads()
    {
        using var listener = new Listener(_metrics.Meter);
        Install(SaDirection.Inbound, 0x1101).Traffic.Add(100);
        Assert.Equal(1, listener.Value("tvd_packets", ("tvd", "red"), ("peer", "h2"), ("direction", "in")));

        // The SA's table entry is gone but (as between the table's two reads) its traffic is not among the retired:
        // a fresh table stands in for that moment.
        _dataPlane.Pipeline = new Pipeline(new IdleUnderlay(), new SaTable());
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(1, listener.Value("tvd_packets", ("tvd", "red"), ("peer", "h2"), ("direction", "in")));
    }

    [Fact]
    public void Drops_carry_the_reason_names_of_tvdctl_status()
    {
        using var listener = new Listener(_metrics.Meter);
        EspSa blue = Install(SaDirection.Inbound, 0x3102, "tvd:blue", 102);
        blue.Drops.Increment(DropReason.ForeignTag);
        blue.Drops.Increment(DropReason.ForeignTag);
        blue.Drops.Increment(DropReason.Replay);

        Assert.Equal(2, listener.Value("tvd_tunnel_drops", ("tvd", "blue"), ("peer", "h2"), ("reason", "foreign_tag")));
        Assert.Equal(1, listener.Value("tvd_tunnel_drops", ("tvd", "blue"), ("peer", "h2"), ("reason", "replay")));
        Assert.Equal(2, listener.Value("tvd_drops", ("reason", "foreign_tag")));
        Assert.Equal("foreign_tag", Overlay.Daemon.Status.DataPlaneStatusSection.ReasonName(DropReason.ForeignTag));
    }

    [Fact]
    public void Handshakes_show_every_reason_ike_counted_and_are_timed()
    {
        using var listener = new Listener(_metrics.Meter);
        _ike.Handshakes.Record(new HandshakeOutcome("established", "ok", true, TimeSpan.FromMilliseconds(12)));
        _ike.Handshakes.Record(new HandshakeOutcome("failed", "authentication_failed", false, TimeSpan.FromMilliseconds(3)));
        // A reason no code here names (as another subsystem might add): it flows through as it is.
        _ike.Handshakes.Record(new HandshakeOutcome("failed", "reason_added_later", true, TimeSpan.FromSeconds(2)));

        Assert.Equal(1, listener.Value("tvd_ike_handshakes", ("result", "established"), ("reason", "ok")));
        Assert.Equal(1, listener.Value("tvd_ike_handshakes", ("result", "failed"), ("reason", "authentication_failed")));
        Assert.Equal(1, listener.Value("tvd_ike_handshakes", ("result", "failed"), ("reason", "reason_added_later")));
        Assert.Equal([0.012, 0.003, 2.0], listener.Recorded("tvd_ike_handshake_duration").Select(m => m.Value));
        Assert.Equal(["established", "failed", "failed"], listener.Recorded("tvd_ike_handshake_duration").Select(m => m.Tags["result"]));
    }

    [Fact]
    public void Ike_failures_are_the_status_counts_by_reason_zeros_included()
    {
        using var listener = new Listener(_metrics.Meter);
        listener.Collect();
        Assert.Equal(0, listener.Measurements.Count(m => m.Name == "tvd_ike_failures")); // no IKE: no series
        var failures = new IkeFailureRecorder(TimeProvider.System, log: null);
        _ike.Failures = failures;
        var address = System.Net.IPAddress.Parse("10.200.0.2");
        failures.Record(new IkeFailure(address, "h2", IkeFailureReason.AuthenticationFailed, ByPeer: true, "peer answered AUTHENTICATION_FAILED"));
        failures.Record(new IkeFailure(address, "h2", IkeFailureReason.AuthenticationFailed, ByPeer: true, "peer answered AUTHENTICATION_FAILED"));

        Assert.Equal(2, listener.Value("tvd_ike_failures", ("reason", "authentication_failed")));
        Assert.Equal(0, listener.Value("tvd_ike_failures", ("reason", "no_proposal_chosen")));
        Assert.Equal(IkeFailureReasons.All.Select(r => r.Name()).Order(),
            listener.Measurements.Where(m => m.Name == "tvd_ike_failures").Select(m => (string)m.Tags["reason"]!).Order());
    }

    [Fact]
    public void Quotes_are_timed_and_policy_version_and_reloads_are_read_from_the_store()
    {
        using var listener = new Listener(_metrics.Meter);
        _attest.OnQuoteTaken(TimeSpan.FromMilliseconds(150));

        Assert.Equal([0.15], listener.Recorded("tvd_attest_quote_duration").Select(m => m.Value));
        Assert.Equal(7, listener.Value("tvd_policy_version"));
        Assert.Equal(0, listener.Value("tvd_policy_reloads", ("result", "refused")));

        _policy.Reload(); // the policy file does not exist: refused, version 7 stays

        Assert.Equal(1, listener.Value("tvd_policy_reloads", ("result", "refused")));
        Assert.Equal(0, listener.Value("tvd_policy_reloads", ("result", "committed")));
        Assert.Equal(7, listener.Value("tvd_policy_version"));
    }

    [Fact]
    public void Workers_are_reported_with_one_series_per_underlay_loop()
    {
        using var listener = new Listener(_metrics.Meter);

        Assert.Equal(1, listener.Value("tvd_workers"));
        Assert.Equal(0, listener.Value("tvd_worker_datagrams", ("worker", "0")));
        Assert.Equal(0, listener.Value("tvd_worker_opened", ("worker", "0")));
        Assert.Equal(["0"], listener.Measurements.Where(m => m.Name == "tvd_worker_opened").Select(m => (string)m.Tags["worker"]!));
    }

    [Fact]
    public void The_underlay_io_that_runs_is_one_series_naming_a_fallback_and_af_xdp_counters_only_while_af_xdp_runs()
    {
        using var listener = new Listener(_metrics.Meter);
        listener.Collect();
        Assert.DoesNotContain(listener.Measurements, m => m.Name.StartsWith("tvd_underlay_io", StringComparison.Ordinal));

        _dataPlane.UnderlayIo = new UnderlayIoState("af_xdp", "udp", "fallback: no CAP_BPF", Xdp: null);

        Assert.Equal(1, listener.Value("tvd_underlay_io", ("io", "udp"), ("requested", "af_xdp")));
        Assert.DoesNotContain(listener.Measurements, m => m.Name.StartsWith("tvd_underlay_xsk", StringComparison.Ordinal));
    }

    [Fact]
    public void Subsystems_that_do_not_run_report_nothing_rather_than_zeros_that_look_real()
    {
        using var listener = new Listener(_metrics.Meter);
        listener.Collect();

        Assert.DoesNotContain(listener.Measurements, m => m.Name is "tvd_ike_sas" or "tvd_child_sas" or "tvd_guests" or "tvd_attestation_verdict");
        Assert.Contains(listener.Measurements, m => m.Name == "tvd_underlay_kernel_drops");
    }

    private EspSa Install(SaDirection direction, uint spi, string label = "tvd:red", ushort vlan = 101)
    {
        Assert.Equal(SaInstallResult.Installed, _sas.Install(new SaDescriptor(H2, vlan, label, direction, spi, EspCipher.AesGcm128, new byte[20])));
        return Sa(direction, spi);
    }

    private EspSa Sa(SaDirection direction, uint spi)
    {
        EspSa? sa = direction == SaDirection.Inbound
            ? _sas.TryGetInbound(spi, out EspSa i) ? i : null
            : _sas.Snapshot().Any(s => s.Spi == spi) && _sas.TryGetOutbound(H2, 101, out EspSa o) ? o : null;
        return Assert.IsType<EspSa>(sa);
    }

    /// <summary>An underlay that is never read: the pipeline is not started, only its tables are.</summary>
    private sealed class IdleUnderlay : IUnderlayIo
    {
        public UdpAddress Local { get; } = UdpAddress.From(IPAddress.Parse("10.200.0.1"), 4500);

        public int Receive(MessageBatch batch) => 0;

        public int Send(MessageBatch batch, int start, int count) => count;

        public void Dispose()
        {
        }
    }

    /// <summary>A listener on one meter instance (so tests running in parallel do not see each other's).</summary>
    private sealed class Listener : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly List<Point> _recorded = [];
        private readonly Lock _lock = new();
        private bool _collecting;

        public Listener(Meter meter)
        {
            _listener.InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter, meter))
                {
                    Instruments.Add(instrument);
                    l.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Add(i, v, tags));
            _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Add(i, v, tags));
            _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Add(i, v, tags));
            _listener.Start();
        }

        public List<Instrument> Instruments { get; } = [];

        public List<Point> Measurements { get; } = [];

        /// <summary>Runs every observable callback once; <see cref="Measurements"/> holds what they reported.</summary>
        public void Collect()
        {
            lock (_lock)
            {
                Measurements.Clear();
                _collecting = true;
            }

            _listener.RecordObservableInstruments();
            lock (_lock)
            {
                _collecting = false;
            }
        }

        /// <summary>The value of one series of an observable instrument, collected now.</summary>
        public double Value(string name, params (string Key, string Value)[] tags)
        {
            Collect();
            var matches = Measurements.Where(m => m.Name == name && tags.All(t => Equals(m.Tags.GetValueOrDefault(t.Key), t.Value))).ToList();
            return Assert.Single(matches).Value;
        }

        /// <summary>What a histogram recorded since the listener started.</summary>
        public IReadOnlyList<Point> Recorded(string name)
        {
            lock (_lock)
            {
                return [.. _recorded.Where(p => p.Name == name)];
            }
        }

        public void Dispose() => _listener.Dispose();

        private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var point = new Point(instrument.Name, value, new Dictionary<string, object?>(tags.ToArray()));
            lock (_lock)
            {
                (_collecting ? Measurements : _recorded).Add(point);
            }
        }
    }

    private sealed record Point(string Name, double Value, Dictionary<string, object?> Tags);
}
