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
}
