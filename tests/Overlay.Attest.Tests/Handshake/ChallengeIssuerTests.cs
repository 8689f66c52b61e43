using Microsoft.Extensions.Time.Testing;
using Overlay.Attest.Handshake;

namespace Overlay.Attest.Tests.Handshake;

public sealed class ChallengeIssuerTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void TheCurrentChallengeRotatesLazilyAfterThePeriod()
    {
        var issuer = new ChallengeIssuer(_time, TimeSpan.FromSeconds(20), keep: 2);
        var first = issuer.Current;
        Assert.Equal(32, first.Value.Length);
        Assert.Equal(_time.GetUtcNow(), first.IssuedAt);

        _time.Advance(TimeSpan.FromSeconds(19.999));
        Assert.Same(first, issuer.Current);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        var second = issuer.Current;
        Assert.NotEqual(first.Value, second.Value);
        Assert.Equal(_time.GetUtcNow(), second.IssuedAt);
    }

    [Fact]
    public void TheLastKeepChallengesAreStillFoundThenForgotten()
    {
        var issuer = new ChallengeIssuer(_time, TimeSpan.FromSeconds(20), keep: 2);
        var issued = new List<AttestationChallenge>();
        for (var i = 0; i < 4; i++)
        {
            issued.Add(issuer.Current);
            _time.Advance(TimeSpan.FromSeconds(20));
        }

        // Current is issued[3]; issued[2] and issued[1] are kept; issued[0] is gone.
        Assert.True(issuer.TryFind(issued[3].Value, out var found) && ReferenceEquals(found, issued[3]));
        Assert.True(issuer.TryFind(issued[2].Value, out _));
        Assert.True(issuer.TryFind(issued[1].Value, out found) && found.IssuedAt == issued[1].IssuedAt);
        Assert.False(issuer.TryFind(issued[0].Value, out _));
        Assert.False(issuer.TryFind(new byte[32], out _));
        Assert.False(issuer.TryFind(issued[3].Value[..31], out _));
    }

    [Fact]
    public void NothingIsFoundBeforeTheFirstChallenge()
    {
        var issuer = new ChallengeIssuer(_time, TimeSpan.FromSeconds(20), keep: 0);
        Assert.False(issuer.TryFind(new byte[32], out _));
        var current = issuer.Current;
        _time.Advance(TimeSpan.FromSeconds(20));
        _ = issuer.Current;
        Assert.False(issuer.TryFind(current.Value, out _));
    }

    [Fact]
    public void AFreshEpochIsTheChallengeAndOurOwnFillInWhenItIsStale()
    {
        var epochs = new Epochs();
        var issuer = new ChallengeIssuer(_time, TimeSpan.FromSeconds(20), keep: 4) { Epochs = epochs };
        var own = issuer.Current; // no epoch yet: our own
        Assert.Equal(_time.GetUtcNow(), own.IssuedAt);

        _time.Advance(TimeSpan.FromSeconds(1));
        epochs.Latest = EpochChallenge.FromPublished(Bytes(7), _time.GetUtcNow() - TimeSpan.FromMilliseconds(300), _time.GetUtcNow());
        var epoch = issuer.Current;
        Assert.Equal(Bytes(7), epoch.Value);
        Assert.Equal(_time.GetUtcNow() - TimeSpan.FromMilliseconds(300), epoch.IssuedAt); // the earlier of the two times
        Assert.True(issuer.TryFind(own.Value, out _)); // the one it replaced is still recognised

        _time.Advance(TimeSpan.FromSeconds(19));
        Assert.Same(epoch, issuer.Current);
        _time.Advance(TimeSpan.FromSeconds(1)); // the epoch is a period old and no newer one came: our own again
        var filler = issuer.Current;
        Assert.NotEqual(Bytes(7), filler.Value);
        Assert.Equal(_time.GetUtcNow(), filler.IssuedAt);
        Assert.True(issuer.TryFind(Bytes(7), out _));

        epochs.Latest = EpochChallenge.FromPublished(Bytes(8), _time.GetUtcNow(), _time.GetUtcNow());
        Assert.Equal(Bytes(8), issuer.Current.Value);
    }

    [Fact]
    public void ARenewedEpochIsNotHandedOutAgainUntilTheNextOne()
    {
        var epochs = new Epochs { Latest = EpochChallenge.FromPublished(Bytes(1), _time.GetUtcNow(), _time.GetUtcNow()) };
        var issuer = new ChallengeIssuer(_time, TimeSpan.FromSeconds(20), keep: 4) { Epochs = epochs };
        Assert.Equal(Bytes(1), issuer.Current.Value);

        issuer.Renew(); // a peer must send full lists: a challenge it has not answered yet
        var own = issuer.Current;
        Assert.NotEqual(Bytes(1), own.Value);
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Same(own, issuer.Current);

        epochs.Latest = EpochChallenge.FromPublished(Bytes(2), _time.GetUtcNow(), _time.GetUtcNow());
        Assert.Equal(Bytes(2), issuer.Current.Value);
        Assert.True(issuer.TryFind(own.Value, out _));
        Assert.True(issuer.TryFind(Bytes(1), out _));
    }

    [Theory]
    [InlineData(6, 0)]   // arrived 6 s after it was published: this host was cut off meanwhile
    [InlineData(-6, 0)]  // the publisher's clock runs 6 s ahead of ours
    [InlineData(0, 31)]  // not a challenge's size
    public void AnEpochWhoseTimesDisagreeOrWhoseSizeIsWrongIsNotUsed(int arrivedLateSeconds, int size)
    {
        var now = _time.GetUtcNow();
        byte[] value = size == 0 ? Bytes(3) : new byte[size];
        Assert.Null(EpochChallenge.FromPublished(value, now - TimeSpan.FromSeconds(arrivedLateSeconds), now));
        Assert.NotNull(EpochChallenge.FromPublished(Bytes(3), now - TimeSpan.FromSeconds(4), now));
    }

    private static byte[] Bytes(byte fill) => Enumerable.Repeat(fill, HandshakeConstants.ChallengeSize).ToArray();

    private sealed class Epochs : IEpochSource
    {
        public AttestationChallenge? Latest { get; set; }
    }
}
