using Overlay.Cluster.Records;
using Overlay.Cluster.Rollout;

namespace Overlay.Cluster.Tests.Rollout;

public class RolloutReportTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    private static ReadOnlyMemory<byte> Result(string host, long version, bool committed, long running = -1) => new PolicyResult
    {
        Host = host,
        Version = version,
        Running = running >= 0 ? running : committed ? version : version - 1,
        Result = committed ? PolicyResult.Committed : PolicyResult.Refused,
        Summary = committed ? "" : "chinese wall",
        Conflicts = committed ? [] : ["guest g1 of type acme on h3 conflicts with globex"],
        At = At,
    }.ToJson();

    [Fact]
    public void Each_live_host_gets_its_state_and_the_version_it_runs()
    {
        var results = new Dictionary<string, ReadOnlyMemory<byte>>
        {
            ["h1"] = Result("h1", 2, committed: true),
            ["h2"] = Result("h2", 1, committed: true),
            ["h3"] = Result("h3", 2, committed: false),
            ["h4"] = Result("h4", 3, committed: true),
            ["h5"] = "{"u8.ToArray(),
            ["h7"] = Result("h7", 2, committed: true), // not live: its result does not count
        };
        var report = RolloutReport.Build(2, ["h6", "h5", "h4", "h3", "h2", "h1"], results);
        Assert.Equal(["h1", "h2", "h3", "h4", "h5", "h6"], report.Hosts.Select(h => h.Host));
        Assert.Equal(
            ["committed", "pending", "refused", "newer", "invalid", "pending"],
            report.Hosts.Select(h => h.State.ToWire()));
        Assert.Equal([2L, 1, 1, 3, 0, 0], report.Hosts.Select(h => h.Running));
        Assert.Equal(["guest g1 of type acme on h3 conflicts with globex"], report.Hosts[2].LastResult!.Conflicts);
        Assert.NotNull(report.Hosts[4].Error);
        Assert.False(report.Complete);
        Assert.Equal(2, report.Count(RolloutState.Pending));
    }

    [Fact]
    public void Complete_only_when_every_live_host_committed_exactly_the_version()
    {
        var results = new Dictionary<string, ReadOnlyMemory<byte>> { ["h1"] = Result("h1", 2, true), ["h2"] = Result("h2", 2, true) };
        Assert.True(RolloutReport.Build(2, ["h1", "h2"], results).Complete);
        Assert.False(RolloutReport.Build(2, ["h1", "h2", "h3"], results).Complete);
        Assert.False(RolloutReport.Build(1, ["h1", "h2"], results).Complete);
        Assert.False(RolloutReport.Build(2, [], results).Complete);
    }

    [Fact]
    public void A_result_filed_under_another_host_is_invalid()
    {
        var report = RolloutReport.Build(2, ["h1"], new Dictionary<string, ReadOnlyMemory<byte>> { ["h1"] = Result("h2", 2, true) });
        Assert.Equal(RolloutState.Invalid, report.Hosts[0].State);
        Assert.Contains("'h2'", report.Hosts[0].Error);
    }
}
