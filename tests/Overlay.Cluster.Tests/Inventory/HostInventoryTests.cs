using Microsoft.Extensions.Time.Testing;
using Overlay.Cluster.Inventory;
using Overlay.Cluster.Keys;
using Overlay.Cluster.Records;
using Overlay.Cluster.Store;

namespace Overlay.Cluster.Tests.Inventory;

public class HostInventoryTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);
    private const string AkA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string AkB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    private static byte[] Reg(string host, string ak = AkA) => new HostRegistration
    {
        Host = host,
        Underlay = ["10.0.0.1"],
        IkePort = 500,
        NattPort = 4500,
        AkSha256 = ak,
        Tpm = ak.Length == 0 ? HostRegistration.TpmNone : HostRegistration.TpmHardware,
        Tvds = ["red"],
        DaemonVersion = "1",
        RegisteredAt = At,
    }.ToJson();

    private static byte[] Enr(string host, string ak = AkA) =>
        new Enrollment { Host = host, AkSha256 = ak, EnrolledBy = "admin", EnrolledAt = At }.ToJson();

    private static InventoryInput Input(Dictionary<string, byte[]> regs, Dictionary<string, byte[]> enrolls, string[]? policy = null,
        bool requireAk = false) => new(
            regs.ToDictionary(kv => kv.Key, kv => (ReadOnlyMemory<byte>)kv.Value),
            enrolls.ToDictionary(kv => kv.Key, kv => (ReadOnlyMemory<byte>)kv.Value),
            new HashSet<string>(policy ?? ["h1", "h2", "h3", "h4"]),
            requireAk);

    [Fact]
    public void Each_rule_admits_or_ignores_with_its_reason()
    {
        var input = Input(
            new()
            {
                ["h1"] = Reg("h1"), // self
                ["h2"] = Reg("h2"), // admitted
                ["h3"] = Reg("h3", AkB), // enrolled with AkA
                ["h4"] = Reg("h4"), // no enrollment
                ["h9"] = Reg("h9"), // not in policy
                ["h5"] = "{not json"u8.ToArray(),
            },
            new() { ["h2"] = Enr("h2"), ["h3"] = Enr("h3"), ["h9"] = Enr("h9"), ["h5"] = Enr("h5") },
            ["h1", "h2", "h3", "h4", "h5"]);
        var (admitted, ignored) = HostInventory.Judge(input, "h1");
        Assert.Equal(["h2"], admitted.Select(p => p.Host));
        Assert.Equal(AkA, admitted[0].Enrollment.AkSha256);
        Assert.Equal(
            [("h1", IgnoreReason.Self), ("h3", IgnoreReason.AkMismatch), ("h4", IgnoreReason.NotEnrolled),
             ("h5", IgnoreReason.InvalidRecord), ("h9", IgnoreReason.NotInPolicy)],
            ignored.Select(i => (i.Host, i.Reason)));
        Assert.Equal(["self", "ak_mismatch", "not_enrolled", "invalid_record", "not_in_policy"], ignored.Select(i => i.Reason.ToWire()));
    }

    [Fact]
    public void A_record_naming_another_host_than_its_key_is_invalid()
    {
        var (admitted, ignored) = HostInventory.Judge(Input(new() { ["h2"] = Reg("h3") }, new() { ["h2"] = Enr("h2"), ["h3"] = Enr("h3") }), "h1");
        Assert.Empty(admitted);
        Assert.Equal(IgnoreReason.InvalidRecord, Assert.Single(ignored).Reason);
        Assert.Contains("'h3'", ignored[0].Detail);
    }

    [Fact]
    public void An_empty_ak_matches_an_empty_enrollment_only_when_no_attestation_is_required()
    {
        var regs = new Dictionary<string, byte[]> { ["h2"] = Reg("h2", "") };
        var enrolls = new Dictionary<string, byte[]> { ["h2"] = Enr("h2", "") };
        Assert.Single(HostInventory.Judge(Input(regs, enrolls), "h1").Admitted);
        var (admitted, ignored) = HostInventory.Judge(Input(regs, enrolls, requireAk: true), "h1");
        Assert.Empty(admitted);
        Assert.Equal(IgnoreReason.AkMismatch, Assert.Single(ignored).Reason);
        // Registered without an AK, enrolled with one: never a match.
        Assert.Equal(IgnoreReason.AkMismatch, Assert.Single(HostInventory.Judge(Input(regs, new() { ["h2"] = Enr("h2") }), "h1").Ignored).Reason);
    }

    [Fact]
    public void An_invalid_enrollment_is_no_enrollment()
    {
        var ignored = HostInventory.Judge(Input(new() { ["h2"] = Reg("h2") }, new() { ["h2"] = "{}"u8.ToArray() }), "h1").Ignored;
        Assert.Equal(IgnoreReason.NotEnrolled, Assert.Single(ignored).Reason);
        Assert.Contains("invalid", ignored[0].Detail);
    }

    [Fact]
    public void A_gone_host_stays_a_peer_for_the_grace_period_then_is_dropped()
    {
        var time = new FakeTimeProvider(At);
        var inventory = new HostInventory("h1", TimeSpan.FromSeconds(10), time);
        var enrolls = new Dictionary<string, byte[]> { ["h2"] = Enr("h2"), ["h3"] = Enr("h3") };
        inventory.Update(Input(new() { ["h2"] = Reg("h2"), ["h3"] = Reg("h3") }, enrolls));
        Assert.Equal(["h2", "h3"], inventory.Current.Admitted.Select(p => p.Host));

        time.Advance(TimeSpan.FromSeconds(1));
        var view = inventory.Update(Input(new() { ["h3"] = Reg("h3") }, enrolls));
        var leaving = Assert.Single(view.Admitted, p => p.Host == "h2");
        Assert.Equal(At.AddSeconds(1), leaving.GoneSince);
        Assert.Equal(At.AddSeconds(11), leaving.DropAt);
        Assert.Equal(At.AddSeconds(11), inventory.NextDrop);

        time.Advance(TimeSpan.FromSeconds(9.9));
        Assert.Contains(inventory.Tick().Admitted, p => p.Host == "h2");
        time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal(["h3"], inventory.Tick().Admitted.Select(p => p.Host));
        Assert.Null(inventory.NextDrop);
    }

    [Fact]
    public void A_host_that_registers_again_within_grace_is_a_plain_peer_again()
    {
        var time = new FakeTimeProvider(At);
        var inventory = new HostInventory("h1", TimeSpan.FromSeconds(10), time);
        var enrolls = new Dictionary<string, byte[]> { ["h2"] = Enr("h2") };
        inventory.Update(Input(new() { ["h2"] = Reg("h2") }, enrolls));
        inventory.Update(Input(new(), enrolls));
        time.Advance(TimeSpan.FromSeconds(5));
        var back = Assert.Single(inventory.Update(Input(new() { ["h2"] = Reg("h2") }, enrolls)).Admitted);
        Assert.Null(back.GoneSince);
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Single(inventory.Tick().Admitted);
    }

    [Fact]
    public void Unenrolling_or_a_changed_ak_drops_a_peer_at_once_even_in_grace()
    {
        var time = new FakeTimeProvider(At);
        var inventory = new HostInventory("h1", TimeSpan.FromSeconds(10), time);
        inventory.Update(Input(new() { ["h2"] = Reg("h2"), ["h3"] = Reg("h3") }, new() { ["h2"] = Enr("h2"), ["h3"] = Enr("h3") }));
        // h2 unenrolled while registered; h3's registration gone (grace) and then unenrolled.
        var view = inventory.Update(Input(new() { ["h2"] = Reg("h2") }, new() { ["h3"] = Enr("h3") }));
        Assert.Equal(["h3"], view.Admitted.Select(p => p.Host));
        Assert.Equal(IgnoreReason.NotEnrolled, Assert.Single(view.Ignored).Reason);
        Assert.Empty(inventory.Update(Input(new() { ["h2"] = Reg("h2") }, new())).Admitted);
        // The other way to lose it: the registration's AK changes.
        inventory.Update(Input(new() { ["h2"] = Reg("h2") }, new() { ["h2"] = Enr("h2") }));
        Assert.Equal(IgnoreReason.AkMismatch, Assert.Single(inventory.Update(Input(new() { ["h2"] = Reg("h2", AkB) }, new() { ["h2"] = Enr("h2") })).Ignored).Reason);
        Assert.Empty(inventory.Current.Admitted);
    }

    [Fact]
    public void Each_ignored_host_and_reason_is_new_once()
    {
        var inventory = new HostInventory("h1", TimeSpan.Zero, new FakeTimeProvider(At));
        var input = Input(new() { ["h2"] = Reg("h2") }, new());
        Assert.Single(inventory.Update(input).NewlyIgnored);
        Assert.Empty(inventory.Update(input).NewlyIgnored);
        var changed = inventory.Update(Input(new() { ["h2"] = Reg("h2", AkB) }, new() { ["h2"] = Enr("h2") }));
        Assert.Equal(IgnoreReason.AkMismatch, Assert.Single(changed.NewlyIgnored).Reason);
    }

    [Fact]
    public void Input_from_store_entries_takes_hosts_from_keys_and_bounds_odd_ones()
    {
        var keys = ClusterKeys.Default;
        string longKey = keys.HostsPrefix + new string('x', 300);
        var hosts = new[]
        {
            new StoreKeyValue(keys.Host("h2"), Reg("h2"), 1, 1, 1, 7),
            new StoreKeyValue(longKey, Reg("h3"), 2, 2, 1, 7),
            new StoreKeyValue(keys.HostsPrefix + "a/b", Reg("h4"), 3, 3, 1, 7),
        };
        var input = HostInventory.InputFrom(keys, hosts, [new StoreKeyValue(keys.Enroll("h2"), Enr("h2"), 1, 1, 1, 0)], new HashSet<string> { "h2" }, false);
        var (admitted, ignored) = HostInventory.Judge(input, "h1");
        Assert.Equal("h2", Assert.Single(admitted).Host);
        Assert.Equal(2, ignored.Count);
        Assert.All(ignored, i => Assert.Equal(IgnoreReason.InvalidRecord, i.Reason));
        Assert.All(ignored, i => Assert.True(i.Host.Length <= ClusterNames.MaxHostLength));
    }
}
