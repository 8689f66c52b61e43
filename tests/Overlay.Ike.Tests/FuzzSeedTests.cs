using System.Runtime.Versioning;
using Overlay.Fuzz;
using Overlay.Fuzz.Targets;
using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Sa;
using Overlay.Ike.Tests.Fixtures;

namespace Overlay.Ike.Tests;

/// <summary>
/// What the IKE fuzz targets' seeds must reach, beside the saved cases every project replays (tests/Common/FuzzCaseTests.cs).
/// </summary>
[SupportedOSPlatform("linux")] // the fuzz targets run the daemon's Linux-only code
public sealed class FuzzSeedTests
{
    /// <summary>
    /// The responder target's seed is a whole conversation (INIT, the cookie retry, IKE_AUTH in fragments): it must
    /// bring the deterministic responder to Established, or mutations would never reach what lies behind the ICV.
    /// </summary>
    [Fact]
    public void The_responder_seed_conversation_establishes_the_ike_sa()
    {
        var target = new IkeResponderTarget();
        var seed = target.Seeds("").First(s => s.Name == "init-cookie-auth-fragments").Data;
        target.Run(seed);
        Assert.Equal(IkeSaState.Established, target.LastState);
    }

    /// <summary>The message target's seeds are the strongSwan captures: every one parses (the target starts from valid input).</summary>
    [Fact]
    public void The_message_seeds_are_strongswan_datagrams_that_parse()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "TvdOverlay.sln")))
        {
            root = Path.GetDirectoryName(root)!;
        }

        var seeds = new IkeMessageTarget().Seeds(root).Where(s => !s.Name.EndsWith(".chain", StringComparison.Ordinal)).ToList();
        Assert.True(seeds.Count >= 18, $"{seeds.Count} seeds");
        Assert.All(seeds, s => Assert.True(IkeMessage.TryParse(s.Data[(s.Data[0] == 0 ? 4 : 0)..], out _, out var e), $"{s.Name}: {e}"));
    }

    /// <summary>
    /// Length fields a spoofer sets to extremes in a real IKE_SA_INIT (the message's length at 24, the first payload's
    /// at 30): the parser refuses each, and the responder target (cookies, fragments) takes each as a drop, not an
    /// exception, within both targets' oracles. (Kept from the mutation fuzzer's regression tests.)
    /// </summary>
    [Fact]
    public void Hostile_length_fields_are_refused_and_dropped()
    {
        var seed = StrongSwanCapture.Load("gcm").InitRequest;
        var message = new IkeMessageTarget();
        var responder = new IkeResponderTarget();
        foreach (var (offset, value) in new[] { (24, 0xffffffffu), (24, 0u), (24, 27u), (30, 0xffffu), (30, 0u), (30, 3u) })
        {
            var input = (byte[])seed.Clone();
            if (offset == 24)
            {
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(input.AsSpan(offset), value);
            }
            else
            {
                System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(input.AsSpan(offset), (ushort)value);
            }

            Assert.False(IkeMessage.TryParse(input, out _, out _), $"length {value} at {offset} parsed");
            message.Run(input);
            responder.Run([0, (byte)(input.Length >> 8), (byte)input.Length, .. input]);
            Assert.NotEqual(IkeSaState.Established, responder.LastState);
        }
    }
}
