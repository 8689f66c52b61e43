using System.Net;
using Microsoft.Extensions.Time.Testing;
using Overlay.Ike.Sa;
using Overlay.Ike.Tests.Sa.Helpers;

namespace Overlay.Ike.Tests.Sa;

/// <summary>The rate limit and counters behind every IKE failure line (one per peer and reason a window).</summary>
public sealed class IkeFailureRecorderTests
{
    private static readonly IPAddress PeerA = IPAddress.Parse("192.0.2.1");
    private static readonly IPAddress PeerB = IPAddress.Parse("192.0.2.2");

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly RecordingFailureLog _log = new();

    private static IkeFailure Failure(IPAddress address, IkeFailureReason reason) => new(address, "h2", reason, ByPeer: false, "detail");

    public static TheoryData<IkeFailureReason> Reasons => [.. IkeFailureReasons.All];

    [Theory]
    [MemberData(nameof(Reasons))]
    public void Each_reason_is_counted_every_time_and_logged_once_per_peer_a_window_with_what_was_held_back(IkeFailureReason reason)
    {
        var recorder = new IkeFailureRecorder(_time, _log, TimeSpan.FromSeconds(60));
        for (int i = 0; i < 5; i++)
        {
            recorder.Record(Failure(PeerA, reason));
            _time.Advance(TimeSpan.FromSeconds(10));
        }

        Assert.Equal(5, recorder.Count(reason));
        var first = Assert.Single(_log.Lines);
        Assert.Equal((reason, 0L), (first.Failure.Reason, first.Suppressed));

        _time.Advance(TimeSpan.FromSeconds(10)); // 60 s after the first line
        recorder.Record(Failure(PeerA, reason));
        Assert.Equal(2, _log.Lines.Count);
        Assert.Equal(4, _log.Lines[1].Suppressed); // the four held back since the first line
        Assert.Equal(6, recorder.Count(reason));
        Assert.All(IkeFailureReasons.All.Where(r => r != reason), r => Assert.Equal(0, recorder.Count(r)));
    }

    [Fact]
    public void Another_peer_or_another_reason_is_logged_at_once()
    {
        var recorder = new IkeFailureRecorder(_time, _log);
        recorder.Record(Failure(PeerA, IkeFailureReason.AuthenticationFailed));
        recorder.Record(Failure(PeerB, IkeFailureReason.AuthenticationFailed));
        recorder.Record(Failure(PeerA, IkeFailureReason.RetransmitsExhausted));
        recorder.Record(Failure(PeerA, IkeFailureReason.AuthenticationFailed));

        Assert.Equal(3, _log.Lines.Count);
        Assert.Equal(3, recorder.Count(IkeFailureReason.AuthenticationFailed));
        Assert.Equal(IkeFailureReason.AuthenticationFailed, recorder.Last(PeerA)!.Value.Failure.Reason); // the latest
        Assert.Null(recorder.Last(IPAddress.Parse("192.0.2.99")));
    }

    [Fact]
    public void A_flood_of_spoofed_sources_is_counted_but_remembers_a_bounded_number_of_peers_and_logs_once_per_window_beyond()
    {
        var recorder = new IkeFailureRecorder(_time, _log);
        int flood = IkeFailureRecorder.MaxTracked + 5000;
        for (int i = 0; i < flood; i++)
        {
            recorder.Record(Failure(new IPAddress(0x0a000000u + (uint)i), IkeFailureReason.HalfOpenLimit));
        }

        Assert.Equal(flood, recorder.Count(IkeFailureReason.HalfOpenLimit));
        Assert.Equal(IkeFailureRecorder.MaxTracked + 1, _log.Lines.Count); // one per remembered source, one for the rest

        _time.Advance(TimeSpan.FromMinutes(1)); // a window later the old sources are forgotten; new ones are logged again
        recorder.Record(Failure(PeerA, IkeFailureReason.HalfOpenLimit));
        Assert.Equal(PeerA, _log.Lines[^1].Failure.Address);
    }

    [Fact]
    public void Names_are_stable_snake_case_and_unique_and_every_reason_has_words_and_a_hint()
    {
        string[] names = [.. IkeFailureReasons.All.Select(r => r.Name())];
        Assert.Equal(
            ["authentication_failed", "no_proposal_chosen", "ts_unacceptable", "attestation_refused", "retransmits_exhausted",
             "cookie_limit", "half_open_limit", "half_open_timeout", "protocol_error"], names);
        Assert.All(IkeFailureReasons.All, r => Assert.False(string.IsNullOrWhiteSpace(r.Text()) || string.IsNullOrWhiteSpace(r.Hint())));
    }
}
