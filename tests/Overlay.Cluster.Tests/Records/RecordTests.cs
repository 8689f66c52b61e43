using System.Text;
using Overlay.Cluster.Records;

namespace Overlay.Cluster.Tests.Records;

public class RecordTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);
    private const string Ak = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    private static HostRegistration Registration() => new()
    {
        Host = "h1",
        Underlay = ["10.0.0.1", "fd00::1"],
        IkePort = 500,
        NattPort = 4500,
        AkSha256 = Ak,
        Tpm = HostRegistration.TpmEmbeddedSwtpm,
        Tvds = ["red", "blue"],
        DaemonVersion = "0.9.0",
        RegisteredAt = At,
    };

    [Fact]
    public void Every_record_round_trips_through_its_json()
    {
        var policy = PolicyRecord.Create(3, 2, "version = 3\n", revoke: true, "alice@admin", At);
        Assert.True(PolicyRecord.TryParse(policy.ToJson(), out var p, out string e), e);
        Assert.True(p.SamePush(policy));
        Assert.Equal("version = 3\n", p.Toml);

        Assert.True(HostRegistration.TryParse(Registration().ToJson(), out var h, out e), e);
        Assert.True(h.SameContent(Registration()));
        Assert.Equal(2, h.UnderlayAddresses().Count);

        var result = new PolicyResult { Host = "h1", Version = 3, Running = 2, Result = PolicyResult.Refused, Summary = "wall", Conflicts = ["c1"], At = At };
        Assert.True(PolicyResult.TryParse(result.ToJson(), out var r, out e), e);
        Assert.False(r.IsCommitted);
        Assert.Equal(["c1"], r.Conflicts);

        var enroll = new Enrollment { Host = "h1", AkSha256 = "", EnrolledBy = "root", EnrolledAt = At };
        Assert.True(Enrollment.TryParse(enroll.ToJson(), out var en, out e), e);
        Assert.Equal("", en.AkSha256);

        Assert.True(EpochLeader.TryParse(new EpochLeader { Host = "h2", Since = At }.ToJson(), out var l, out e), e);
        Assert.Equal("h2", l.Host);

        var epoch = new EpochRecord { Epoch = 7, Value = Ak, Leader = "h2", At = At };
        Assert.True(EpochRecord.TryParse(epoch.ToJson(), out var ep, out e), e);
        Assert.Equal(32, ep.ValueBytesArray().Length);
    }

    [Fact]
    public void Json_is_snake_case()
    {
        string json = Encoding.UTF8.GetString(Registration().ToJson());
        Assert.Contains("\"ike_port\":500", json);
        Assert.Contains("\"ak_sha256\":", json);
        Assert.Contains("\"registered_at\":\"2026-12-06T12:00:00+00:00\"", json);
    }

    [Theory]
    [InlineData("{\"host\":\"h1\",\"since\":\"2026-12-06T12:00:00Z\",\"extra\":1}", "extra")]
    [InlineData("{\"host\":\"h1\"}", "since")]
    [InlineData("{\"host\":1,\"since\":\"2026-12-06T12:00:00Z\"}", "host")]
    [InlineData("{\"host\":null,\"since\":\"2026-12-06T12:00:00Z\"}", "host")]
    [InlineData("{\"host\":\"h1\",\"host\":\"h2\",\"since\":\"2026-12-06T12:00:00Z\"}", "host")]
    [InlineData("{\"host\":\"a/b\",\"since\":\"2026-12-06T12:00:00Z\"}", "host name")]
    [InlineData("{\"host\":\"h1\",\"since\":\"yesterday\"}", "since")]
    [InlineData("[1,2]", "")]
    [InlineData("null", "null")]
    [InlineData("", "")]
    [InlineData("{\"host\":\"h1\",\"since\":\"2026-12-06T12:00:00Z\"", "")]
    public void Malformed_epoch_leaders_are_refused_with_a_reason(string json, string mentions)
    {
        Assert.False(EpochLeader.TryParse(Encoding.UTF8.GetBytes(json), out _, out string error));
        Assert.NotEmpty(error);
        Assert.Contains(mentions, error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Oversized_values_are_refused_before_parsing()
    {
        byte[] big = new byte[16 * 1024 + 1];
        big.AsSpan().Fill((byte)' ');
        Assert.False(HostRegistration.TryParse(big, out _, out string error));
        Assert.Contains("more than the 16384", error);

        string toml = new('#', 1024 * 1024);
        var policy = PolicyRecord.Create(1, 0, toml, false, "a", At);
        Assert.False(PolicyRecord.TryParse(policy.ToJson(), out _, out error));
        Assert.Contains("more than the 1048576", error);
    }

    [Fact]
    public void A_policy_whose_text_does_not_hash_to_its_sha256_is_refused()
    {
        var policy = PolicyRecord.Create(2, 1, "a = 1\n", false, "a", At);
        string json = Encoding.UTF8.GetString(policy.ToJson()).Replace("a = 1", "a = 2", StringComparison.Ordinal);
        Assert.False(PolicyRecord.TryParse(Encoding.UTF8.GetBytes(json), out _, out string error));
        Assert.Contains("sha256 does not match", error);
    }

    [Theory]
    [InlineData(0, 0, "version must be positive")]
    [InlineData(3, 3, "replaces")]
    [InlineData(3, -1, "replaces")]
    public void Policy_versions_are_checked(long version, long replaces, string mentions)
    {
        var policy = new PolicyRecord { Version = version, Replaces = replaces, Sha256 = PolicyRecord.HashOf("x"), Toml = "x", Revoke = false, PushedBy = "a", PushedAt = At };
        Assert.False(PolicyRecord.TryParse(policy.ToJson(), out _, out string error));
        Assert.Contains(mentions, error);
    }

    public static TheoryData<Func<HostRegistration, HostRegistration>, string> BadRegistrations => new()
    {
        { r => Copy(r, underlay: []), "underlay" },
        { r => Copy(r, underlay: ["10.0.0.300"]), "not an IP address" },
        { r => Copy(r, underlay: Enumerable.Range(1, 17).Select(i => $"10.0.0.{i}").ToArray()), "underlay" },
        { r => Copy(r, ikePort: 0), "ike_port" },
        { r => Copy(r, nattPort: 70000), "natt_port" },
        { r => Copy(r, ak: "ABCDEF"), "ak_sha256" },
        { r => Copy(r, ak: Ak.ToUpperInvariant()), "ak_sha256" },
        { r => Copy(r, tpm: "software"), "tpm" },
        { r => Copy(r, tvds: ["red", "red"]), "tvds" },
        { r => Copy(r, tvds: ["bad name"]), "tvds" },
        { r => Copy(r, version: ""), "daemon_version" },
        { r => Copy(r, version: "1\n2"), "daemon_version" },
        { r => Copy(r, host: "-h"), "host" },
    };

    [Theory]
    [MemberData(nameof(BadRegistrations))]
    public void Invalid_registrations_are_refused(Func<HostRegistration, HostRegistration> spoil, string mentions)
    {
        Assert.False(HostRegistration.TryParse(spoil(Registration()).ToJson(), out _, out string error));
        Assert.Contains(mentions, error);
    }

    [Fact]
    public void A_null_inside_a_list_is_refused_not_thrown()
    {
        string json = Encoding.UTF8.GetString(Registration().ToJson()).Replace("[\"red\",\"blue\"]", "[null]", StringComparison.Ordinal);
        Assert.False(HostRegistration.TryParse(Encoding.UTF8.GetBytes(json), out _, out string error));
        Assert.Contains("tvds", error);
    }

    [Fact]
    public void Numbers_as_strings_and_fractions_are_refused()
    {
        var epoch = new EpochRecord { Epoch = 7, Value = Ak, Leader = "h2", At = At };
        string json = Encoding.UTF8.GetString(epoch.ToJson());
        Assert.False(EpochRecord.TryParse(Encoding.UTF8.GetBytes(json.Replace("\"epoch\":7", "\"epoch\":\"7\"", StringComparison.Ordinal)), out _, out _));
        Assert.False(EpochRecord.TryParse(Encoding.UTF8.GetBytes(json.Replace("\"epoch\":7", "\"epoch\":7.5", StringComparison.Ordinal)), out _, out _));
        Assert.False(EpochRecord.TryParse(Encoding.UTF8.GetBytes(json.Replace(Ak, Ak[..62], StringComparison.Ordinal)), out _, out string error));
        Assert.Contains("value", error);
    }

    [Fact]
    public void Results_bound_their_conflicts_and_kind()
    {
        var ok = new PolicyResult { Host = "h1", Version = 1, Running = 1, Result = "maybe", Summary = "", Conflicts = [], At = At };
        Assert.False(PolicyResult.TryParse(ok.ToJson(), out _, out string error));
        Assert.Contains("committed or refused", error);
        var many = new PolicyResult { Host = "h1", Version = 1, Running = 0, Result = PolicyResult.Refused, Summary = "", Conflicts = Enumerable.Repeat("c", 65).ToArray(), At = At };
        Assert.False(PolicyResult.TryParse(many.ToJson(), out _, out error));
        Assert.Contains("conflicts", error);
        var wrong = new PolicyResult { Host = "h1", Version = 3, Running = 2, Result = PolicyResult.Committed, Summary = "", Conflicts = [], At = At };
        Assert.False(PolicyResult.TryParse(wrong.ToJson(), out _, out error));
        Assert.Contains("running", error);
    }

    [Fact]
    public void Deeply_nested_input_is_refused_not_thrown()
    {
        string json = "{\"host\":\"h1\",\"since\":\"2026-12-06T12:00:00Z\",\"x\":" + new string('[', 5000) + new string(']', 5000) + "}";
        Assert.False(EpochLeader.TryParse(Encoding.UTF8.GetBytes(json), out _, out string error));
        Assert.NotEmpty(error);
    }

    private static HostRegistration Copy(HostRegistration r, string? host = null, string[]? underlay = null, int? ikePort = null,
        int? nattPort = null, string? ak = null, string? tpm = null, string[]? tvds = null, string? version = null) => new()
        {
            Host = host ?? r.Host,
            Underlay = underlay ?? r.Underlay,
            IkePort = ikePort ?? r.IkePort,
            NattPort = nattPort ?? r.NattPort,
            AkSha256 = ak ?? r.AkSha256,
            Tpm = tpm ?? r.Tpm,
            Tvds = tvds ?? r.Tvds,
            DaemonVersion = version ?? r.DaemonVersion,
            RegisteredAt = r.RegisteredAt,
        };
}
