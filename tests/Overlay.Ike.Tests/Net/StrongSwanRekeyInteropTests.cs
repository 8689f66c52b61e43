using System.Net;
using Overlay.Daemon.IkeHost;
using Overlay.Ike.Net;
using Overlay.Ike.Sa;
using Overlay.Ike.Tests.Sa.Helpers;

namespace Overlay.Ike.Tests.Net;

/// <summary>
/// SA life against a real strongSwan 5.9.8 charon: CHILD_SA and IKE SA rekeys started by us and by
/// charon (swanctl --rekey), deletes started by charon (swanctl --terminate), and a charon that
/// dies without a word (our liveness check gives up and removes the SAs).
/// </summary>
[Collection("charon")]
public sealed class StrongSwanRekeyInteropTests
{
    private static readonly ChildSaConfig Red = new("red", "tvd:red",
        [ExchangeHarness.Range("10.13.1.0", "10.13.1.255")], [ExchangeHarness.Range("10.13.2.0", "10.13.2.255")],
        [EspSuite.AesGcm16_256, new EspSuite(256, ExtendedSequenceNumbers: false)]);

    private static IkeSaConfig Config => new(IkeIdentity.Fqdn("hostA"), IkeIdentity.Fqdn("hostB"),
        System.Text.Encoding.ASCII.GetBytes(CharonNamespace.Psk), IkeSaConfig.DefaultIkeProposals);

    [CharonFact]
    public async Task Rekeys_started_by_either_side_keep_one_installed_child_sa_and_charon_deletes_are_followed()
    {
        using var charon = new CharonNamespace();
        var sink = new RecordingChildSink();
        var policy = new AllowListLabelPolicy();
        policy.Allowed.Add(("hostB", "tvd:red")); // charon's own rekeys come to our label policy
        await using var daemon = StandaloneIke.Start(IPAddress.Parse(charon.LocalAddress), policy, sink, _ => null);
        var sa = daemon.Initiate(Config, Red, IPAddress.Parse(charon.CharonAddress));
        await WaitFor(() => sa.Children.Count == 1 || sa.State == IkeSaState.Destroyed, charon, "first CHILD_SA");
        var first = sa.Children[0];

        // CHILD_SA rekey started by us: charon lists the new SPIs and no longer the old ones.
        sa.RekeyChildSa(first);
        await WaitFor(() => Current(sa) is { } c && c != first && sink.Removed.Contains(first), charon, "our CHILD_SA rekey");
        var second = Current(sa)!;
        AssertCharonHas(charon, second, without: first);

        // CHILD_SA rekey started by charon.
        charon.Swanctl("--rekey --child red");
        await WaitFor(() => Current(sa) is { } c && c != second && sink.Removed.Contains(second), charon, "charon's CHILD_SA rekey");
        var third = Current(sa)!;
        Assert.False(third.CreatedByUs);
        AssertCharonHas(charon, third, without: second);

        // IKE SA rekey started by us: the CHILD_SA moves to the successor, charon shows the new SPIs.
        sa.Rekey();
        await WaitFor(() => sa.State == IkeSaState.Destroyed && sa.SupersededBy is { State: IkeSaState.Established }, charon, "our IKE rekey");
        Assert.Equal("rekeyed", sa.FailureReason);
        var ike2 = sa.SupersededBy!;
        Assert.Equal([third], ike2.Children);
        Assert.Contains($"{ike2.InitiatorSpi:x16}_i", charon.Swanctl("--list-sas"));

        // IKE SA rekey started by charon.
        charon.Swanctl("--rekey --ike tvd");
        await WaitFor(() => ike2.State == IkeSaState.Destroyed && ike2.SupersededBy is { State: IkeSaState.Established }, charon, "charon's IKE rekey");
        var ike3 = ike2.SupersededBy!;
        Assert.False(ike3.IsOriginalInitiator);
        Assert.Equal([third], ike3.Children);
        Assert.Contains($"{ike3.ResponderSpi:x16}_r", charon.Swanctl("--list-sas"));
        Assert.DoesNotContain(third, sink.Removed);

        // The CHILD_SA still rekeys on the third IKE SA.
        ike3.RekeyChildSa(third);
        await WaitFor(() => Current(ike3) is { } c && c != third && sink.Removed.Contains(third), charon, "CHILD_SA rekey on the successor");
        var fourth = Current(ike3)!;
        AssertCharonHas(charon, fourth, without: third);

        // charon deletes the CHILD_SA, then the IKE SA.
        charon.Swanctl("--terminate --child red");
        await WaitFor(() => ike3.Children.Count == 0, charon, "charon's CHILD_SA delete");
        Assert.Contains(fourth, sink.Removed);
        Assert.Equal(IkeSaState.Established, ike3.State);
        charon.Swanctl("--terminate --ike tvd");
        await WaitFor(() => ike3.State == IkeSaState.Destroyed, charon, "charon's IKE SA delete");
        Assert.Equal("deleted by the peer", ike3.FailureReason);
        Assert.Equal(sink.Installed.Count, sink.Removed.Count);
        Assert.Empty(daemon.Manager.Sas);
    }

    [CharonFact]
    public async Task A_killed_charon_is_found_dead_by_the_liveness_check_and_its_sas_are_removed()
    {
        using var charon = new CharonNamespace();
        var sink = new RecordingChildSink();
        // Short retransmits so the test ends in seconds: 0.3 s × 1.5^n, 3 retransmits (about 2.7 s).
        var retransmit = new RetransmitPolicy(TimeSpan.FromMilliseconds(300), 1.5, 3);
        await using var daemon = StandaloneIke.Start(IPAddress.Parse(charon.LocalAddress), AllowListLabelPolicy.Any(), sink, _ => null,
            retransmit: retransmit);
        var sa = daemon.Initiate(Config, Red, IPAddress.Parse(charon.CharonAddress));
        await WaitFor(() => sa.Children.Count == 1 || sa.State == IkeSaState.Destroyed, charon, "CHILD_SA");
        sa.CheckLiveness();
        await WaitFor(() => sa.Tasks.ActiveTasks.Count == 0, charon, "answered liveness check");
        Assert.Equal(0, sa.Tasks.Stats.Retransmits);

        charon.KillCharon();
        sa.CheckLiveness();
        await WaitFor(() => sa.State == IkeSaState.Destroyed, charon, "dead peer detection");
        Assert.Equal("peer did not answer after 3 retransmits", sa.FailureReason);
        Assert.Equal(3, sa.Tasks.Stats.Retransmits);
        Assert.Equal(sink.Installed, sink.Removed);
        Assert.Empty(daemon.Manager.Sas);
    }

    private static ChildSa? Current(IkeSa sa)
    {
        lock (sa.Sync)
        {
            return sa.Children.Count == 1 ? sa.Children[0] : null;
        }
    }

    /// <summary>
    /// charon lists <paramref name="child"/> as INSTALLED (its in/out SPIs are our out/in ones), and
    /// the replaced SA at most as DELETED: charon keeps a rekeyed SA's inbound half for a few
    /// seconds (delete_rekeyed_delay) for packets still in flight.
    /// </summary>
    private static void AssertCharonHas(CharonNamespace charon, ChildSa child, ChildSa without)
    {
        var blocks = charon.Swanctl("--list-sas").Split("red: #").Skip(1).ToList();
        var current = Assert.Single(blocks, b => b.Contains($"in  {child.OutboundSpi:x8}"));
        Assert.Contains("INSTALLED", current);
        Assert.Contains($"out {child.InboundSpi:x8}", current);
        Assert.Matches(@"label\s+tvd:red", current);
        Assert.DoesNotContain(blocks, b => b.Contains($"in  {without.OutboundSpi:x8}") && b.Contains("INSTALLED"));
        Assert.Single(blocks, b => b.Contains("INSTALLED"));
    }

    private static async Task WaitFor(Func<bool> condition, CharonNamespace charon, string what)
    {
        for (var i = 0; i < 150 && !condition(); i++)
        {
            await Task.Delay(100);
        }

        Assert.True(condition(), $"no {what} within 15 s; charon log:\n{charon.Log}");
    }
}
