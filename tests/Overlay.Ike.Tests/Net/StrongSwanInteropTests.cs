using System.Net;
using Overlay.Daemon.IkeHost;
using Overlay.Ike.Net;
using Overlay.Ike.Sa;
using Overlay.Ike.Tests.Sa.Helpers;

namespace Overlay.Ike.Tests.Net;

/// <summary>Runs only where a real charon can be started (root, strongSwan installed); skipped with the reason otherwise.</summary>
public sealed class CharonFactAttribute : FactAttribute
{
    public CharonFactAttribute()
    {
        Skip = CharonNamespace.SkipReason();
    }
}

/// <summary>
/// Our initiator against a real strongSwan 5.9.8 responder over UDP 500/4500: PSK, label
/// tvd:red accepted and installed by charon; another label refused with TS_UNACCEPTABLE.
/// </summary>
[Collection("charon")] // one charon namespace at a time: they bind the same kind of ports
public sealed class StrongSwanInteropTests
{
    private static readonly ChildSaConfig Red = new("red", "tvd:red",
        [ExchangeHarness.Range("10.13.1.0", "10.13.1.255")], [ExchangeHarness.Range("10.13.2.0", "10.13.2.255")],
        [EspSuite.AesGcm16_256, new EspSuite(256, ExtendedSequenceNumbers: false)]);

    private static IkeSaConfig Config => new(IkeIdentity.Fqdn("hostA"), IkeIdentity.Fqdn("hostB"),
        System.Text.Encoding.ASCII.GetBytes(CharonNamespace.Psk), IkeSaConfig.DefaultIkeProposals);

    [CharonFact]
    public async Task Charon_installs_our_child_sa_with_label_tvd_red_and_refuses_tvd_blue()
    {
        using var charon = new CharonNamespace();
        var sink = new RecordingChildSink();
        await using var daemon = StandaloneIke.Start(IPAddress.Parse(charon.LocalAddress), AllowListLabelPolicy.Any(), sink, _ => null);

        var sa = daemon.Initiate(Config, Red, IPAddress.Parse(charon.CharonAddress));
        await WaitFor(() => sa.State == IkeSaState.Destroyed || sa.Children.Count > 0 || sa.ChildFailureReason is not null, charon);
        Assert.True(sa.State == IkeSaState.Established, $"{sa.FailureReason}\n{charon.Log}");
        Assert.True(sa.Children.Count == 1, $"{sa.ChildFailureReason}\n{charon.Log}");
        var child = sa.Children[0];
        Assert.Equal("tvd:red", child.Label);
        Assert.Equal(new EspSuite(256, ExtendedSequenceNumbers: false), child.Suite);
        Assert.True(sa.RemoteBehindNat || sa.LocalBehindNat, "charon with kernel-libipsec forces UDP encapsulation by faking NAT-D");
        Assert.Equal(IkeConstants.NatTraversalPort, sa.Remote.Port);

        var listed = charon.Swanctl("--list-sas");
        Assert.Contains("red: #", listed);
        Assert.Contains("INSTALLED", listed);
        Assert.Matches(@"label\s+tvd:red", listed);
        // charon's outbound SPI is our inbound one and vice versa.
        Assert.Matches($@"in\s+{child.OutboundSpi:x8}", listed);
        Assert.Matches($@"out\s+{child.InboundSpi:x8}", listed);
        Assert.Contains("ESP:AES_GCM_16-256", listed);

        var blue = daemon.Initiate(Config, Red with { Name = "blue", Label = "tvd:blue" }, IPAddress.Parse(charon.CharonAddress));
        await WaitFor(() => blue.State == IkeSaState.Destroyed || blue.Children.Count > 0 || blue.ChildFailureReason is not null, charon);
        Assert.Equal(IkeSaState.Established, blue.State);
        Assert.Empty(blue.Children);
        Assert.Equal("TsUnacceptable", blue.ChildFailureReason);
        Assert.DoesNotContain("tvd:blue", charon.Swanctl("--list-sas"));

        sa.Delete();
        await WaitFor(() => sa.State == IkeSaState.Destroyed, charon);
        Assert.Equal("deleted by us", sa.FailureReason);
        Assert.Single(sink.Removed);
    }

    private static async Task WaitFor(Func<bool> condition, CharonNamespace charon)
    {
        for (var i = 0; i < 150 && !condition(); i++)
        {
            await Task.Delay(100);
        }

        Assert.True(condition(), "no result within 15 s; charon log:\n" + charon.Log);
    }
}
