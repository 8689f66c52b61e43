using System.Text;
using Overlay.Cluster.Records;
using Overlay.Fuzz.Targets;
using Overlay.Tests.Common;

namespace Overlay.Cluster.Tests.Records;

/// <summary>Values from the store are untrusted input: each record decode stays within 24 × input + 16 KiB (the fuzz
/// target's bound; the fixed part pays for System.Text.Json's exception when a value is refused), valid or not, and an
/// oversized value costs nothing.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")] // the fuzz target's bound, from the Linux-only fuzz project
public class RecordAllocationBoundTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    public static TheoryData<string, byte[]> Inputs()
    {
        var data = new TheoryData<string, byte[]>();
        var reg = new HostRegistration
        {
            Host = "h1",
            Underlay = Enumerable.Range(1, 16).Select(i => $"fd00::{i:x}").ToArray(),
            IkePort = 500,
            NattPort = 4500,
            AkSha256 = new string('a', 64),
            Tpm = HostRegistration.TpmHardware,
            Tvds = Enumerable.Range(0, 256).Select(i => $"tvd-{i}").ToArray(),
            DaemonVersion = "1.0",
            RegisteredAt = At,
        };
        data.Add("registration, 256 TVDs", reg.ToJson());
        // Many tiny strings: the most objects per input octet a record can hold (refused after parsing: > 256).
        data.Add("registration, 3,000 one-letter TVDs",
            Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(reg.ToJson()).Replace(
                "\"tvds\":[", "\"tvds\":[" + string.Join(',', Enumerable.Repeat("\"a\"", 3000)) + ",", StringComparison.Ordinal)));
        data.Add("result, 64 conflicts", new PolicyResult
        {
            Host = "h1",
            Version = 2,
            Running = 1,
            Result = PolicyResult.Refused,
            Summary = new string('s', 4000),
            Conflicts = Enumerable.Repeat(new string('c', 100), 64).ToArray(),
            At = At,
        }.ToJson());
        data.Add("policy, 900 KiB", PolicyRecord.Create(3, 2, new string('#', 900 * 1024), false, "ops", At).ToJson());
        data.Add("nested arrays", Encoding.UTF8.GetBytes("{\"host\":" + new string('[', 8000)));
        data.Add("a bad escape, 4 bytes", Encoding.UTF8.GetBytes("{\"\\0"));
        data.Add("a long string of escapes", Encoding.UTF8.GetBytes("{\"host\":\"" + string.Concat(Enumerable.Repeat("\\u0041", 2500)) + "\"}"));
        return data;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Every_record_decode_is_bounded_by_its_input(string what, byte[] input)
    {
        Assert.NotEmpty(what);
        Action[] parsers =
        [
            () => HostRegistration.TryParse(input, out _, out _),
            () => PolicyResult.TryParse(input, out _, out _),
            () => PolicyRecord.TryParse(input, out _, out _),
            () => Enrollment.TryParse(input, out _, out _),
            () => EpochLeader.TryParse(input, out _, out _),
            () => EpochRecord.TryParse(input, out _, out _),
        ];
        foreach (var parse in parsers)
        {
            long allocated = AllocationMeter.Measure(parse);
            long bound = (long)ClusterRecordTarget.AllocationPerByte * input.Length + ClusterRecordTarget.AllocationFixed;
            Assert.True(allocated <= bound, $"{what}: {allocated} bytes allocated for {input.Length} input bytes; bound {bound}");
        }
    }

    [Fact]
    public void An_oversized_value_is_refused_for_almost_nothing()
    {
        byte[] big = new byte[4 * 1024 * 1024];
        long allocated = AllocationMeter.Measure(() =>
        {
            Assert.False(PolicyRecord.TryParse(big, out _, out _));
            Assert.False(HostRegistration.TryParse(big, out _, out _));
        });
        Assert.True(allocated < 4096, $"{allocated} bytes to refuse 4 MiB");
    }
}
