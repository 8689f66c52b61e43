using Overlay.Ike.Fuzz;
using Overlay.Ike.Tests.Fixtures;

namespace Overlay.Ike.Tests.Encoding.Messages;

/// <summary>
/// Replays what the fuzzer found (Fixtures/fuzz-regressions/crash-*.hex) and what it starts from
/// (the strongSwan captures) through the fuzz target: parse, message rules, re-encode, responder
/// manager. None may throw.
/// </summary>
public sealed class FuzzRegressionTests
{
    public static IEnumerable<object[]> SavedInputs()
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "Fixtures", "fuzz-regressions");
        return Directory.Exists(dir)
            ? Directory.EnumerateFiles(dir, "*.hex").Order(StringComparer.Ordinal).Select(f => new object[] { Path.GetFileName(f) })
            : [];
    }

    [Theory]
    [MemberData(nameof(StrongSwanCapture.AllMessages), MemberType = typeof(StrongSwanCapture))]
    public void Fuzzer_seeds_run_through_the_target_and_parse(string connection, string file)
    {
        var datagram = StrongSwanCapture.Load(connection).Datagrams.Single(d => d.File == file).Udp;
        var feature = IkeDecodeTarget.Run(datagram);
        Assert.DoesNotContain(":parse:", feature);
    }

    [Fact]
    public void Saved_crash_inputs_no_longer_throw()
    {
        foreach (var row in SavedInputs())
        {
            var file = (string)row[0];
            var input = Convert.FromHexString(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "fuzz-regressions", file)).Trim());
            var feature = IkeDecodeTarget.Run(input);
            Assert.False(string.IsNullOrEmpty(feature), file);
        }
    }

    [Fact]
    public void Hostile_length_fields_are_drops_not_exceptions()
    {
        var seed = StrongSwanCapture.Load("gcm").InitRequest;
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

            var feature = IkeDecodeTarget.Run(input);
            Assert.Contains(":parse:", feature);
            // Dropped by the manager (header) or by the new SA's validation, which never left Created.
            Assert.Matches(@"\|(drop:|sa:Created:.+)", feature);
        }
    }
}
