using Overlay.Cluster.Inventory;
using Overlay.Cluster.Records;
using Overlay.Cluster.Rollout;

namespace Overlay.Fuzz.Targets;

/// <summary>
/// A value read from the cluster store (anyone with write access to the etcd prefix, or a corrupted store), through
/// every record's strict parser, the inventory judgement (as a registration and as an enrollment) and the rollout
/// report (as a result). Oracles: a value that parses writes back to JSON that parses to the same JSON (a canonical
/// form); each parse stays within 24 × input + 16 KiB allocated (the fixed part pays for System.Text.Json's
/// exception and its message when a value is refused).
/// </summary>
public sealed class ClusterRecordTarget : FuzzTarget
{
    public const int AllocationPerByte = 24;
    public const int AllocationFixed = 16 * 1024;

    private static readonly DateTimeOffset At = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    public override string Name => "cluster-record";

    public override string TestProject => "Overlay.Cluster.Tests";

    public override string Description => "a value from the cluster store: every record parser, inventory, rollout; canonical round trip, allocation bound";

    protected override void Execute(ReadOnlySpan<byte> input)
    {
        Parse<PolicyRecord>(input, "PolicyRecord", PolicyRecord.TryParse, r => r.ToJson());
        Parse<HostRegistration>(input, "HostRegistration", HostRegistration.TryParse, r => r.ToJson());
        Parse<PolicyResult>(input, "PolicyResult", PolicyResult.TryParse, r => r.ToJson());
        Parse<Enrollment>(input, "Enrollment", Enrollment.TryParse, r => r.ToJson());
        Parse<EpochLeader>(input, "EpochLeader", EpochLeader.TryParse, r => r.ToJson());
        Parse<EpochRecord>(input, "EpochRecord", EpochRecord.TryParse, r => r.ToJson());

        var value = new Dictionary<string, ReadOnlyMemory<byte>> { ["h2"] = input.ToArray() };
        var input2 = new InventoryInput(value, value, new HashSet<string> { "h2" }, RequireAk: true);
        var (admitted, ignored) = HostInventory.Judge(input2, "h1");
        Oracles.Check(admitted.Count + ignored.Count == 1, "the inventory lost or invented a host");
        var report = RolloutReport.Build(2, ["h2"], value);
        Oracles.Check(report.Hosts.Count == 1, "the rollout report lost or invented a host");
    }

    private delegate bool TryParse<T>(ReadOnlySpan<byte> utf8, out T record, out string error);

    private static void Parse<T>(ReadOnlySpan<byte> input, string what, TryParse<T> parse, Func<T, byte[]> write)
    {
        var start = Oracles.AllocatedBytes();
        bool ok = parse(input, out var record, out string error);
        Oracles.CheckAllocation($"{what}.TryParse", start, input.Length, AllocationPerByte, AllocationFixed);
        Oracles.Check(ok == (error.Length == 0), $"{what}: success and error disagree");
        if (!ok)
        {
            return;
        }

        byte[] first = write(record);
        Oracles.Check(parse(first, out var again, out error), $"{what}: its own JSON does not parse: {error}");
        Oracles.SameBytes($"{what} round trip", first, write(again));
    }

    public override IEnumerable<(string Name, byte[] Data)> Seeds(string repositoryRoot)
    {
        yield return ("policy", PolicyRecord.Create(2, 1, "version = 2\n[[tvd]]\nname = \"red\"\n", false, "ops", At).ToJson());
        yield return ("registration", new HostRegistration
        {
            Host = "h2",
            Underlay = ["10.0.0.2", "fd00::2"],
            IkePort = 500,
            NattPort = 4500,
            AkSha256 = new string('a', 64),
            Tpm = HostRegistration.TpmEmbeddedSwtpm,
            Tvds = ["red", "blue"],
            DaemonVersion = "0.9.0",
            RegisteredAt = At,
        }.ToJson());
        yield return ("result", new PolicyResult
        {
            Host = "h2",
            Version = 2,
            Running = 1,
            Result = PolicyResult.Refused,
            Summary = "chinese wall",
            Conflicts = ["guest g1 (acme) conflicts with globex"],
            At = At,
        }.ToJson());
        yield return ("enrollment", new Enrollment { Host = "h2", AkSha256 = new string('a', 64), EnrolledBy = "root", EnrolledAt = At }.ToJson());
        yield return ("epoch-leader", new EpochLeader { Host = "h2", Since = At }.ToJson());
        yield return ("epoch", new EpochRecord { Epoch = 7, Value = new string('b', 64), Leader = "h2", At = At }.ToJson());
    }
}
