using System.Buffers.Binary;
using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Encoding.Payloads;
using Overlay.Ike.Sa;
using Overlay.Ike.Tests.Sa.Helpers;
using static Overlay.Ike.Tests.Sa.Helpers.ExchangeHarness;

namespace Overlay.Ike.Tests.Sa;

/// <summary>
/// IKE fragmentation (RFC 7383) between two in-process SAs whose datagram size is forced down to
/// 160 octets, so that IKE_AUTH in both directions (PSK, about 300 octets) travels as SKF fragments.
/// </summary>
public sealed class FragmentationTests
{
    private const int SmallDatagram = 160;
    private const int SkfOffset = 28; // the SKF payload follows the IKE header
    private const int FragmentNumberOffset = SkfOffset + 4;

    private static IkeSaConfig Small(IkeSaConfig c, TimeSpan? timeout = null, int maxOctets = 64 * 1024)
        => c with { Fragmentation = new FragmentationOptions(SmallDatagram, SmallDatagram, MaxReassembledLength: maxOctets, ReassemblyTimeout: timeout) };

    private static ExchangeHarness SmallHarness(TimeSpan? timeoutB = null, int maxOctetsB = 64 * 1024)
        => new(a => Small(a), b => Small(b, timeoutB, maxOctetsB));

    /// <summary>Runs IKE_SA_INIT and returns A's IKE_AUTH request fragments, not yet delivered.</summary>
    private static List<byte[]> StartAndTakeAuthFragments(ExchangeHarness h)
    {
        h.Start(RedChild);
        h.DeliverToResponder();
        h.DeliverToInitiator();
        return h.TakeFromA();
    }

    private static EncryptedFragmentPayload Skf(byte[] datagram)
    {
        Assert.True(IkeMessage.TryParse(datagram, out var m, out var error), error.ToString());
        return Assert.IsType<EncryptedFragmentPayload>(Assert.Single(m.Payloads));
    }

    [Fact]
    public void Ike_auth_request_and_response_travel_as_authenticated_fragments_and_are_reassembled()
    {
        using var h = SmallHarness();
        // HDR, SK {IDi, IDr, AUTH, SAi2, TSi, TSr} as HDR, SKF(1/n) ... HDR, SKF(n/n)  -->
        var request = StartAndTakeAuthFragments(h);
        Assert.True(request.Count > 1, $"IKE_AUTH fit into {request.Count} datagram");
        for (var i = 0; i < request.Count; i++)
        {
            // IP (20) + UDP (8) + IKE must fit the configured datagram size.
            Assert.InRange(request[i].Length, 1, SmallDatagram - 28);
            var skf = Skf(request[i]);
            Assert.Equal((i + 1, request.Count), (skf.FragmentNumber, skf.TotalFragments));
            Assert.Equal(i == 0 ? IkePayloadType.IdInitiator : IkePayloadType.NoNextPayload, skf.FirstInnerPayload);
            Assert.Equal(1u, BinaryPrimitives.ReadUInt32BigEndian(request[i].AsSpan(20)));
        }

        request.ForEach(h.InjectToResponder);
        var r = h.Responder!;
        Assert.Equal(IkeSaState.Established, r.State);
        Assert.Equal((request.Count - 1, 1), (r.Tasks.Stats.FragmentsKept, r.Tasks.Stats.MessagesReassembled));

        //                   <--  HDR, SKF(1/m) ... HDR, SKF(m/m) {IDr, AUTH, SAr2, TSi, TSr}
        var response = h.TakeFromB();
        Assert.True(response.Count > 1);
        Assert.Equal(1, r.Tasks.Stats.FragmentedMessagesSent);
        response.ForEach(h.InjectToInitiator);
        Assert.Equal(IkeSaState.Established, h.Initiator.State);
        Assert.Equal(1, h.Initiator.Tasks.Stats.MessagesReassembled);
        Assert.Equal(0, h.Initiator.Tasks.Stats.Dropped);
        Assert.Equal(h.A.Sink.Installed.Single().InboundSpi, h.B.Sink.Installed.Single().OutboundSpi);
    }

    [Fact]
    public void Without_a_small_size_ike_auth_is_not_fragmented()
    {
        using var h = new ExchangeHarness();
        var request = StartAndTakeAuthFragments(h);
        Assert.IsType<EncryptedPayload>(Assert.Single(ParseOuter(Assert.Single(request)).Payloads));
    }

    [Fact]
    public void Peer_without_fragmentation_support_gets_one_big_message()
    {
        using var h = new ExchangeHarness(a => Small(a), b => Small(b) with { AnnounceFragmentation = false });
        var request = StartAndTakeAuthFragments(h);
        Assert.True(Assert.Single(request).Length > SmallDatagram);
        h.InjectToResponder(request[0]);
        h.DeliverToInitiator();
        Assert.Equal(IkeSaState.Established, h.Initiator.State);
    }

    [Fact]
    public void Lost_fragments_are_recovered_by_retransmission_in_both_directions()
    {
        using var h = SmallHarness();
        var request = StartAndTakeAuthFragments(h);
        // The second request fragment is lost; B keeps the others and waits.
        request.Where((_, i) => i != 1).ToList().ForEach(h.InjectToResponder);
        var r = h.Responder!;
        Assert.Equal(IkeSaState.Connecting, r.State);
        Assert.Equal(0, h.PendingFromB);

        // A's retransmit timer resends every fragment; B ignores those it has and completes.
        h.Time.Advance(TimeSpan.FromSeconds(4));
        var again = h.TakeFromA();
        Assert.Equal(request, again);
        again.ForEach(h.InjectToResponder);
        Assert.Equal(IkeSaState.Established, r.State);
        Assert.Equal(request.Count - 1, r.Tasks.Stats.DuplicateFragments);

        // Now the first response fragment is lost: A cannot finish.
        var response = h.TakeFromB();
        response.Skip(1).ToList().ForEach(h.InjectToInitiator);
        Assert.Equal(IkeSaState.Connecting, h.Initiator.State);

        // A retransmits the request; B answers its first fragment with the whole cached response.
        h.Time.Advance(TimeSpan.FromSeconds(8));
        h.TakeFromA().ForEach(h.InjectToResponder);
        Assert.Equal(1, r.Tasks.Stats.DuplicateRequestsAnswered);
        var resent = h.TakeFromB();
        Assert.Equal(response, resent);
        resent.ForEach(h.InjectToInitiator);
        Assert.Equal(IkeSaState.Established, h.Initiator.State);
        Assert.Single(h.A.Sink.Installed);
    }

    [Fact]
    public void Fragments_that_do_not_authenticate_or_carry_bad_numbers_are_dropped_and_change_nothing()
    {
        using var h = SmallHarness();
        var request = StartAndTakeAuthFragments(h);
        var r = h.Responder!;
        var stats = r.Tasks.Stats;

        var forged = (byte[])request[0].Clone();
        forged[^20] ^= 0x01; // a bit of the ciphertext: the ICV no longer matches
        h.InjectToResponder(forged);
        Assert.Equal(1, stats.Dropped);
        Assert.Contains("integrity", stats.LastDropReason);

        var zero = (byte[])request[0].Clone();
        BinaryPrimitives.WriteUInt16BigEndian(zero.AsSpan(FragmentNumberOffset), 0);
        h.InjectToResponder(zero);
        Assert.Equal(2, stats.Dropped);
        Assert.Contains("fragment number", stats.LastDropReason);

        var beyond = (byte[])request[0].Clone();
        BinaryPrimitives.WriteUInt16BigEndian(beyond.AsSpan(FragmentNumberOffset), (ushort)(request.Count + 1));
        h.InjectToResponder(beyond);
        Assert.Equal(3, stats.Dropped);
        Assert.Contains("fragment number", stats.LastDropReason);

        var huge = (byte[])request[0].Clone();
        BinaryPrimitives.WriteUInt16BigEndian(huge.AsSpan(FragmentNumberOffset + 2), 1000);
        h.InjectToResponder(huge);
        Assert.Equal(4, stats.Dropped);
        Assert.Equal(0, stats.FragmentsKept);

        // Total Fragments changed mid-way: fragments of the same message ID, authenticated with A's
        // real keys but cut into fewer pieces, are dropped once a larger total was seen.
        h.InjectToResponder(request[0]);
        var header = ParseOuter(request[0]).Header;
        var fewer = h.Initiator.Protector!.ProtectFragments(header, [new VendorIdPayload(new byte[100])], SmallDatagram - 28);
        Assert.InRange(fewer.Count, 2, request.Count - 1);
        h.InjectToResponder(fewer[1]);
        Assert.Equal(5, stats.Dropped);
        Assert.Contains("Total Fragments fell", stats.LastDropReason);

        // The real fragments still complete the exchange: nothing forged was kept.
        request.ForEach(h.InjectToResponder);
        Assert.Equal(IkeSaState.Established, r.State);
        Assert.Equal(1, stats.MessagesReassembled);
    }

    [Fact]
    public void An_incomplete_message_is_forgotten_after_the_reassembly_timeout()
    {
        using var h = SmallHarness(timeoutB: TimeSpan.FromSeconds(1));
        var request = StartAndTakeAuthFragments(h);
        var r = h.Responder!;
        h.InjectToResponder(request[0]);
        h.Time.Advance(TimeSpan.FromSeconds(2));
        request.Skip(1).ToList().ForEach(h.InjectToResponder);
        Assert.Equal(IkeSaState.Connecting, r.State); // fragment 1 was forgotten with its reassembly

        h.Time.Advance(TimeSpan.FromSeconds(2)); // A's first retransmit (4 s)
        h.TakeFromA().ForEach(h.InjectToResponder);
        Assert.Equal(IkeSaState.Established, r.State);
    }

    [Fact]
    public void A_message_larger_than_the_reassembly_limit_is_dropped()
    {
        using var h = SmallHarness(maxOctetsB: 100);
        var request = StartAndTakeAuthFragments(h);
        request.ForEach(h.InjectToResponder);
        var r = h.Responder!;
        Assert.Equal(IkeSaState.Connecting, r.State);
        Assert.Contains("exceed 100 octets", r.Tasks.Stats.LastDropReason);
        Assert.Equal(0, h.PendingFromB);
    }

    private static IkeMessage ParseOuter(byte[] datagram)
    {
        Assert.True(IkeMessage.TryParse(datagram, out var m, out var error), error.ToString());
        return m;
    }
}
