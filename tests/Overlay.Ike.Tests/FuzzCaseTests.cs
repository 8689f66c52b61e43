using System.Runtime.Versioning;
using Overlay.Fuzz;
using Overlay.Fuzz.Targets;
using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Sa;
using Overlay.Ike.Tests.Fixtures;

namespace Overlay.Ike.Tests;

/// <summary>
/// Replays every saved fuzz case of this module's targets (FuzzCases/&lt;target&gt;/: minimized crashes, hangs and
/// interesting corpus entries from afl-fuzz, docs/fuzzing.md) through the target with all its oracles, and fails when
/// a target has no saved case at all.
/// </summary>
[SupportedOSPlatform("linux")] // the fuzz targets run the daemon's Linux-only code
public sealed class FuzzCaseTests
{
    private const string Project = "Overlay.Ike.Tests";

    public static IEnumerable<object[]> Cases() => FuzzCaseFiles.Rows(Project);

    public static IEnumerable<object[]> Targets() => FuzzCaseFiles.Targets(Project);

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_saved_case_runs_through_its_target_without_a_finding(string target, string file) => FuzzCaseFiles.Replay(target, file);

    [Theory]
    [MemberData(nameof(Targets))]
    public void Every_target_has_saved_cases(string target) =>
        Assert.True(FuzzCaseFiles.Files(target).Count > 0, $"{FuzzCaseFiles.Folder(target)} is empty: save at least one case (scripts/fuzz.sh does for findings)");

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
