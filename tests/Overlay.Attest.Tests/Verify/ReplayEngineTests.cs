using System.Security.Cryptography;
using Overlay.Attest.Ima;
using Overlay.Attest.Structures;
using Overlay.Attest.Verify;

namespace Overlay.Attest.Tests.Verify;

public sealed class ReplayEngineTests
{
    private static byte[] Extend(byte[] pcr, byte[] value) => SHA256.HashData([.. pcr, .. value]);

    private static ImaNgEntry Entry(uint pcr, string path) => ImaNgEntry.Create(pcr, "sha256", SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(path)), path);

    [Fact]
    public void ViolationEntriesReplayAsAllOnes()
    {
        var good = Entry(10, "/bin/sh");
        var violation = new ImaNgEntry(10, new byte[20], "ima-ng", Entry(10, "/tmp/raced").TemplateData);
        var pcr = Extend(Extend(new byte[32], good.Sha256ExtendValue), Enumerable.Repeat((byte)0xFF, 32).ToArray());
        var outcome = ReplayEngine.Replay(new MeasurementList([good, violation]), new PcrValues(PcrSelection.Sha256(10), [pcr]));
        Assert.True(outcome.Replays, outcome.Problem);
        Assert.Equal(2, outcome.CoveredEntries);
    }

    [Fact]
    public void TwoPcrsReplayTogetherAndStopAtTheFirstMatch()
    {
        var entries = new[] { Entry(10, "/a"), Entry(13, "/b"), Entry(10, "/c"), Entry(13, "/late") };
        var pcr10 = Extend(Extend(new byte[32], entries[0].Sha256ExtendValue), entries[2].Sha256ExtendValue);
        var pcr13 = Extend(new byte[32], entries[1].Sha256ExtendValue);
        var quoted = new PcrValues(PcrSelection.Sha256(10, 13), [pcr10, pcr13]);
        var outcome = ReplayEngine.Replay(new MeasurementList(entries), quoted);
        Assert.True(outcome.Replays, outcome.Problem);
        Assert.Equal(3, outcome.CoveredEntries);
    }

    [Fact]
    public void ListForAnUnquotedPcrDoesNotReplay()
    {
        var outcome = ReplayEngine.Replay(new MeasurementList([Entry(11, "/x")]), new PcrValues(PcrSelection.Sha256(10), [new byte[32]]));
        Assert.False(outcome.Replays);
        Assert.Contains("PCR 11", outcome.Problem);
    }

    [Fact]
    public void ReorderedListDoesNotReplay()
    {
        var a = Entry(10, "/a");
        var b = Entry(10, "/b");
        var pcr = Extend(Extend(new byte[32], a.Sha256ExtendValue), b.Sha256ExtendValue);
        Assert.False(ReplayEngine.Replay(new MeasurementList([b, a]), new PcrValues(PcrSelection.Sha256(10), [pcr])).Replays);
    }

    [Fact]
    public void ContinuesFromACheckpoint()
    {
        var entries = new[] { Entry(10, "/a"), Entry(10, "/b"), Entry(10, "/c") };
        var afterTwo = Extend(Extend(new byte[32], entries[0].Sha256ExtendValue), entries[1].Sha256ExtendValue);
        var first = ReplayEngine.Replay(new MeasurementList(entries[..2]), new PcrValues(PcrSelection.Sha256(10), [afterTwo]));
        Assert.Equal(2, first.Checkpoint!.Offset);

        var afterThree = Extend(afterTwo, entries[2].Sha256ExtendValue);
        var next = ReplayEngine.Replay(new MeasurementList(entries), new PcrValues(PcrSelection.Sha256(10), [afterThree]), first.Checkpoint);
        Assert.True(next.Replays, next.Problem);
        Assert.Equal(3, next.CoveredEntries);

        var shorter = ReplayEngine.Replay(new MeasurementList(entries[..1]), new PcrValues(PcrSelection.Sha256(10), [afterThree]), first.Checkpoint);
        Assert.False(shorter.Replays);
    }
}
