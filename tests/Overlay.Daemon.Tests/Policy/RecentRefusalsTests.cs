using Overlay.Daemon.Policy;
using Overlay.Daemon.Tests.Support;
using Overlay.Labels.Audit;
using Overlay.Labels.Compiled;
using Overlay.Labels.Engine;
using Overlay.Labels.Loading;

namespace Overlay.Daemon.Tests.Policy;

/// <summary>The audit trail's join refusals as status keeps them: one entry per (peer, TVD, side), counted, bounded.</summary>
public sealed class RecentRefusalsTests
{
    private static readonly DateTimeOffset Now = new(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private readonly InMemoryDecisionAudit _log = new();
    private readonly RecentRefusals _refusals;
    private readonly PolicyEngine _engine;
    private readonly ManualTime _time = new() { Now = Now };

    public RecentRefusalsTests()
    {
        _refusals = new RecentRefusals(_log);
        _engine = new PolicyEngine(CompiledPolicy.Compile(PolicyLoader.LoadFile(RepoFiles.ExamplePolicy).Policy!), _refusals, _time);
    }

    [Fact]
    public void A_denied_join_is_kept_once_with_its_count_and_latest_reason_and_allowed_ones_are_not()
    {
        _engine.Join("tvd:red", "host1", "host2", null, Now);
        _time.Now = Now.AddSeconds(30);
        _engine.Join("tvd:red", "host1", "host2", null, Now.AddSeconds(30));
        _engine.Join("tvd:green", "host1", "host2", null, Now);

        RefusedJoin only = Assert.Single(_refusals.Snapshot());
        Assert.Equal(("host2", "red", false, "attestation", 2L), (only.Peer, only.Tvd, only.ByPeer, only.Rule, only.Count));
        Assert.Equal("attestation: host host2 presented no evidence; TVD red requires 'known-good'", only.Reason);
        Assert.Equal((Now, Now.AddSeconds(30)), (only.FirstAt, only.LastAt));
        Assert.Equal(3, _log.Snapshot().Count); // every decision still reaches the log
    }

    [Fact]
    public void A_peers_refusal_is_kept_apart_from_ours()
    {
        _engine.Join("tvd:red", "host1", "host2", null, Now);
        _engine.RecordRefusalByPeer(new RefusalByPeer("host1", "host2", "red", "ref.unknown /usr/bin/x", Withdrawn: true));
        _engine.RecordRefusalByPeer(new RefusalByPeer("host1", "host3", null, "no TVD for you", Withdrawn: false));

        Assert.Equal([("host2", "red", false, false), ("host2", "red", true, true), ("host3", "*", true, false)],
            _refusals.Snapshot().Select(r => (r.Peer, r.Tvd, r.ByPeer, r.Withdrawn)));
        Assert.Null(_refusals.Snapshot()[1].Rule);
    }

    [Fact]
    public void Memory_is_bounded_whatever_peers_do()
    {
        for (int i = 0; i < 100; i++)
        {
            _time.Now = Now.AddSeconds(i);
            _engine.RecordRefusalByPeer(new RefusalByPeer("host1", $"peer{i:000}", "red", new string('x', 10_000), Withdrawn: false));
        }

        var kept = _refusals.Snapshot();
        Assert.Equal(RecentRefusals.Capacity, kept.Count);
        Assert.All(kept, r => Assert.Equal(RecentRefusals.MaxReasonLength, r.Reason.Length));
        Assert.Equal(Enumerable.Range(100 - RecentRefusals.Capacity, RecentRefusals.Capacity).Select(i => $"peer{i:000}"), kept.Select(r => r.Peer)); // the latest
    }

    /// <summary>The audit's clock (the engine stamps each record with it).</summary>
    private sealed class ManualTime : TimeProvider
    {
        public DateTimeOffset Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
