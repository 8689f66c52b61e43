using Overlay.Ike.Sa;

namespace Overlay.Ike.Tests.Sa;

/// <summary>Failure reasons (text for a person, sometimes the peer's) become a bounded set of label values.</summary>
public sealed class HandshakeReasonsTests
{
    [Theory]
    [InlineData("peer answered AUTHENTICATION_FAILED", "authentication_failed")]
    [InlineData("AUTHENTICATION_FAILED for fqdn:h3: AUTH payload does not verify", "authentication_failed")]
    [InlineData("peer answered NoProposalChosen", "no_proposal_chosen")]
    [InlineData("answered NoProposalChosen", "no_proposal_chosen")]
    [InlineData("INVALID_KE_PAYLOAD asks for 31, which we did not offer", "invalid_ke_payload")]
    [InlineData("peer answered TS_UNACCEPTABLE: tvd:red refused (AUTHENTICATION_FAILED later)", "ts_unacceptable")]
    [InlineData("peer did not answer after 5 retransmits", "retransmits_exhausted")]
    [InlineData("not authenticated within 30 s of its IKE_SA_INIT (half-open timeout)", "half_open_timeout")]
    [InlineData("displaced by a request from 192.0.2.7 that returned a valid COOKIE", "half_open_displaced")]
    [InlineData("responder fqdn:h2 is admitted to no TVD here: it presented no evidence", "not_admitted")]
    [InlineData("disposed", "shutdown")]
    [InlineData("MY_AUTHENTICATION_FAILED_X is no notify", "other")]
    [InlineData("something a peer made up \u0001 with 10.0.0.1", "other")]
    [InlineData("", "other")]
    [InlineData(null, "other")]
    public void Classify(string? reason, string expected) => Assert.Equal(expected, HandshakeReasons.Classify(reason));

    [Fact]
    public void Every_class_is_a_prometheus_label_value_of_bounded_number()
    {
        // Each error notify type once, plus the phrases and "other": never more, whatever the text.
        int errorNotifies = Enum.GetValues<NotifyType>().Count(t => t is > NotifyType.None and < NotifyType.InitialContact);
        var seen = new HashSet<string>();
        foreach (NotifyType t in Enum.GetValues<NotifyType>())
        {
            seen.Add(HandshakeReasons.Classify($"peer answered {t}"));
        }

        Assert.All(seen, s => Assert.Matches("^[a-z_]+$", s));
        Assert.True(seen.Count <= errorNotifies + 1, $"{seen.Count} classes");
    }
}
