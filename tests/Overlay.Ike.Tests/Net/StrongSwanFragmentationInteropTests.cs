using System.Net;
using Overlay.Daemon.IkeHost;
using Overlay.Ike.Net;
using Overlay.Ike.Sa;
using Overlay.Ike.Tests.Sa.Helpers;

namespace Overlay.Ike.Tests.Net;

/// <summary>
/// IKE fragmentation (RFC 7383) against a real strongSwan 5.9.8 charon: charon with a 200-octet
/// fragment_size and fragmentation = force sends its IKE_AUTH in SKF fragments that we reassemble;
/// our IKE_AUTH with a 200-octet datagram size reaches charon in fragments that it reassembles; and
/// with charon initiating, both directions at once.
/// </summary>
[Collection("charon")]
public sealed class StrongSwanFragmentationInteropTests
{
    private const int SmallDatagram = 200;

    private static readonly ChildSaConfig Red = new("red", "tvd:red",
        [ExchangeHarness.Range("10.13.1.0", "10.13.1.255")], [ExchangeHarness.Range("10.13.2.0", "10.13.2.255")],
        [EspSuite.AesGcm16_256, new EspSuite(256, ExtendedSequenceNumbers: false)]);

    private static readonly CharonSetup FragmentingCharon = new() { FragmentSize = SmallDatagram, Fragmentation = "force" };

    private static IkeSaConfig Config => new(IkeIdentity.Fqdn("hostA"), IkeIdentity.Fqdn("hostB"),
        System.Text.Encoding.ASCII.GetBytes(CharonNamespace.Psk), IkeSaConfig.DefaultIkeProposals);

    private static IkeSaConfig SmallConfig => Config with { Fragmentation = new FragmentationOptions(SmallDatagram, SmallDatagram) };

    [CharonFact]
    public async Task We_reassemble_the_ike_auth_response_charon_sends_in_fragments()
    {
        using var charon = new CharonNamespace(FragmentingCharon);
        await using var daemon = StandaloneIke.Start(IPAddress.Parse(charon.LocalAddress), AllowListLabelPolicy.Any(), new RecordingChildSink(), _ => null);
        var sa = daemon.Initiate(Config, Red, IPAddress.Parse(charon.CharonAddress));
        await WaitFor(() => sa.State == IkeSaState.Destroyed || sa.Children.Count > 0, charon);

        Assert.True(sa.Children.Count == 1, $"{sa.FailureReason}\n{charon.Log}");
        Assert.Equal(1, sa.Tasks.Stats.MessagesReassembled);
        Assert.True(sa.Tasks.Stats.FragmentsKept >= 1);
        Assert.Equal(0, sa.Tasks.Stats.FragmentedMessagesSent);
        Assert.Matches(@"sending packet: from \S+ to \S+ \(\d+ bytes\)", charon.Log);
        Assert.Matches(@"splitting IKE message \(\d+ bytes\) into \d+ fragments", charon.Log);
        Assert.Contains("INSTALLED", charon.Swanctl("--list-sas"));
    }

    [CharonFact]
    public async Task Charon_reassembles_the_ike_auth_request_we_send_in_fragments()
    {
        using var charon = new CharonNamespace();
        await using var daemon = StandaloneIke.Start(IPAddress.Parse(charon.LocalAddress), AllowListLabelPolicy.Any(), new RecordingChildSink(), _ => null);
        var sa = daemon.Initiate(SmallConfig, Red, IPAddress.Parse(charon.CharonAddress));
        await WaitFor(() => sa.State == IkeSaState.Destroyed || sa.Children.Count > 0, charon);

        Assert.True(sa.Children.Count == 1, $"{sa.FailureReason}\n{charon.Log}");
        Assert.True(sa.Tasks.Stats.FragmentedMessagesSent >= 1);
        Assert.Matches(@"received fragment #\d+ of \d+, reassembled fragmented IKE message", charon.Log);
        Assert.Contains("INSTALLED", charon.Swanctl("--list-sas"));
    }

    [CharonFact]
    public async Task Charon_initiates_and_both_sides_fragment_ike_auth()
    {
        using var charon = new CharonNamespace(FragmentingCharon);
        var policy = new AllowListLabelPolicy();
        policy.Allowed.Add(("hostB", "tvd:red"));
        var responder = SmallConfig with { Children = [Red] };
        await using var daemon = StandaloneIke.Start(IPAddress.Parse(charon.LocalAddress), policy, new RecordingChildSink(), _ => responder);

        var output = charon.Swanctl("--initiate --child red --timeout 15");
        Assert.Contains("initiate completed successfully", output);
        var sa = Assert.Single(daemon.Manager.Sas);
        Assert.False(sa.IsOriginalInitiator);
        Assert.Equal(IkeSaState.Established, sa.State);
        Assert.Equal(1, sa.Tasks.Stats.MessagesReassembled);
        Assert.True(sa.Tasks.Stats.FragmentedMessagesSent >= 1);
        Assert.Matches(@"received fragment #\d+ of \d+, reassembled fragmented IKE message", charon.Log);
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
