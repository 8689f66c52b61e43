using Microsoft.Extensions.Logging;
using Overlay.Labels.Audit;
using Overlay.Labels.Decisions;
using Overlay.Labels.Engine;
using Overlay.Labels.Tests.Support;

namespace Overlay.Labels.Tests.Audit;

/// <summary>Events 1001 and 1004 as journald sees them: one structured field per part of the decision.</summary>
public sealed class LoggerDecisionAuditTests
{
    [Fact]
    public void A_carry_is_event_1001_with_action_carry_and_the_tvd_and_both_hosts_as_fields()
    {
        var log = new FieldLogger();
        var engine = new PolicyEngine(TestPolicies.Example(), new LoggerDecisionAudit(log));

        engine.Carry("tvd:blue", "host1", "host2");

        var (eventId, fields, message) = Assert.Single(log.Events);
        Assert.Equal(1001, eventId.Id);
        Assert.Equal("carry", fields["Action"]);
        Assert.Equal("deny", fields["Verdict"]);
        Assert.Equal("carriage", fields["Rule"]);
        Assert.Equal("blue", fields["Tvd"]);
        Assert.Equal("host1", fields["Host"]);
        Assert.Equal("host2", fields["Peer"]);
        Assert.Null(fields["Guest"]);
        Assert.Equal(1L, fields["PolicyVersion"]);
        Assert.EndsWith(": carriage: host host2 may not run type blue of TVD blue (host types: red, green)", message);
    }

    [Fact]
    public void A_join_is_event_1001_with_action_join_rule_attestation_and_the_findings_in_the_reason()
    {
        var log = new FieldLogger();
        var engine = new PolicyEngine(TestPolicies.Example(), new LoggerDecisionAudit(log));
        var status = new FakeAttestationStatus().With("known-good", AttestationVerdict.NotMet("ref.unknown /usr/bin/evil sha256:5b2e"));

        engine.Join("tvd:red", "host1", "host2", status, AttestedPolicies.Now);

        var (eventId, fields, message) = Assert.Single(log.Events);
        Assert.Equal(1001, eventId.Id);
        Assert.Equal("join", fields["Action"]);
        Assert.Equal("deny", fields["Verdict"]);
        Assert.Equal("attestation", fields["Rule"]);
        Assert.Equal("red", fields["Tvd"]);
        Assert.Equal("host1", fields["Host"]);
        Assert.Equal("host2", fields["Peer"]);
        Assert.EndsWith(": attestation: host host2 does not meet 'known-good' for TVD red: ref.unknown /usr/bin/evil sha256:5b2e", message);
    }

    [Fact]
    public void A_peers_refusal_is_event_1004_in_the_same_trail_with_its_findings()
    {
        var log = new FieldLogger();
        var trail = new InMemoryDecisionAudit();
        var engine = new PolicyEngine(TestPolicies.Example(), new CompositeDecisionAudit(new LoggerDecisionAudit(log), trail));

        engine.RecordRefusalByPeer(new RefusalByPeer("host3", "host1", "red", "TsUnacceptable: ref.unknown /usr/bin/evil sha256:5b2e", Withdrawn: false));
        engine.RecordRefusalByPeer(new RefusalByPeer("host3", "host1", null, "admitted to no TVD: ak.trust", Withdrawn: true));

        Assert.Equal(2, log.Events.Count);
        var (eventId, fields, message) = log.Events[0];
        Assert.Equal(1004, eventId.Id);
        Assert.Equal("refused-by-peer", fields["Verdict"]);
        Assert.Equal(("host3", "host1", "red"), (fields["Host"], fields["Peer"], fields["Tvd"]));
        Assert.Equal("audit join refused-by-peer host=host3 peer=host1 tvd=red: TsUnacceptable: ref.unknown /usr/bin/evil sha256:5b2e", message);
        Assert.Equal("withdrawn-by-peer", log.Events[1].Fields["Verdict"]);
        Assert.Null(log.Events[1].Fields["Tvd"]);
        Assert.Equal(AuditKind.RefusalByPeer, trail.Snapshot()[0].Kind);
        Assert.Equal("join host1 refused red from host3: TsUnacceptable: ref.unknown /usr/bin/evil sha256:5b2e", trail.Snapshot()[0].ToString());
    }

    [Fact]
    public void An_attach_keeps_its_fields_and_leaves_tvd_and_peer_empty()
    {
        var log = new FieldLogger();
        var engine = new PolicyEngine(TestPolicies.Example(), new LoggerDecisionAudit(log));

        engine.Attach("hr-db", "red-net");

        var (_, fields, _) = Assert.Single(log.Events);
        Assert.Equal("attach", fields["Action"]);
        Assert.Equal("hr-db", fields["Guest"]);
        Assert.Equal("red-net", fields["Resource"]);
        Assert.Null(fields["Tvd"]);
        Assert.Null(fields["Peer"]);
    }

    /// <summary>Keeps each event's structured fields (what journald stores), not just its text.</summary>
    private sealed class FieldLogger : ILogger
    {
        public List<(EventId Id, Dictionary<string, object?> Fields, string Message)> Events { get; } = [];

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var fields = (state as IEnumerable<KeyValuePair<string, object?>> ?? []).ToDictionary(kv => kv.Key, kv => kv.Value);
            Events.Add((eventId, fields, formatter(state, exception)));
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;
    }
}
