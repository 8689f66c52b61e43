using System.Text.Json;
using System.Text.RegularExpressions;

namespace Overlay.Cli.Tests.Policy;

/// <summary>
/// <c>tvdctl policy check|show|explain --json</c> on examples/policy.toml: the documents of docs/cli.md, parsed and
/// compared field by field with the policy file and with what the text output says; exit codes as without --json.
/// </summary>
public sealed class PolicyJsonTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tvdctl-json-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static JsonElement Parse(CliRunner.Result r)
    {
        using var document = JsonDocument.Parse(r.StdOut);
        return document.RootElement.Clone();
    }

    private static string[] Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToArray();

    private static JsonElement Named(JsonElement array, string name) => array.EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);

    [Fact]
    public void Show_lists_every_table_of_the_policy_with_its_values()
    {
        var r = CliRunner.Run("policy", "show", CliRunner.ExamplePolicy, "--json");

        Assert.True(r.ExitCode == 0, r.All);
        var p = Parse(r);
        Assert.Equal("acme-dc", p.GetProperty("policy").GetProperty("name").GetString());
        Assert.Equal(1, p.GetProperty("policy").GetProperty("version").GetInt32());
        Assert.Equal(0, p.GetProperty("warnings").GetArrayLength());
        Assert.Equal(["red", "blue", "green"], p.GetProperty("tvds").EnumerateArray().Select(t => t.GetProperty("name").GetString()!));
        var red = Named(p.GetProperty("tvds"), "red");
        Assert.Equal((101, "tvd:red", "HR", "red", "known-good"), (red.GetProperty("vlan").GetInt32(), red.GetProperty("label").GetString(),
            red.GetProperty("description").GetString(), red.GetProperty("type").GetString(), red.GetProperty("attestation").GetString()));
        Assert.Equal(JsonValueKind.Null, Named(p.GetProperty("tvds"), "green").GetProperty("attestation").ValueKind);

        var a = Named(p.GetProperty("attestations"), "known-good");
        Assert.Equal("sha256:13", a.GetProperty("pcrs").GetString());
        Assert.Equal(Path.Combine(Path.GetDirectoryName(CliRunner.ExamplePolicy)!, "reference.txt"), a.GetProperty("reference_values").GetString());
        Assert.Equal(60, a.GetProperty("max_age_s").GetInt32());
        Assert.False(a.GetProperty("software_tpm").GetBoolean());
        Assert.Equal(["host1", "host2"], a.GetProperty("ak_pins").EnumerateObject().Select(e => e.Name));
        Assert.Equal(new string('0', 64), a.GetProperty("ak_pins").GetProperty("host2").GetString());
        Assert.Equal(["red", "blue"], Strings(a.GetProperty("tvds")));

        Assert.Equal(["hertz", "avis"], Strings(Named(p.GetProperty("conflict_sets"), "car-rental").GetProperty("types")));
        var avis = Named(p.GetProperty("guests"), "avis-web");
        Assert.Equal(["green"], Strings(avis.GetProperty("ste_types")));
        Assert.Equal(["avis"], Strings(avis.GetProperty("cw_types")));
        Assert.Equal(["green-net"], Strings(avis.GetProperty("networks")));
        var redNet = Named(p.GetProperty("resources"), "red-net");
        Assert.Equal(("network", "red"), (redNet.GetProperty("kind").GetString(), redNet.GetProperty("tvd").GetString()));
        var host1 = Named(p.GetProperty("hosts"), "host1");
        var host2 = Named(p.GetProperty("hosts"), "host2");
        Assert.True(host1.GetProperty("every_type").GetBoolean());
        Assert.Empty(Strings(host1.GetProperty("types")));
        Assert.False(host2.GetProperty("every_type").GetBoolean());
        Assert.Equal(["red", "green"], Strings(host2.GetProperty("types")));
    }

    [Fact]
    public void Check_reports_each_diagnostic_with_its_location_and_exits_2_like_the_text()
    {
        var path = Path.Combine(_dir, "policy.toml");
        File.WriteAllText(path, File.ReadAllText(CliRunner.ExamplePolicy).Replace("label = \"tvd:green\"", "lable = \"tvd:green\""));

        var r = CliRunner.Run("policy", "check", path, "--json");
        var text = CliRunner.Run("policy", "check", path);

        Assert.Equal(2, r.ExitCode);
        var d = Parse(r);
        Assert.False(d.GetProperty("ok").GetBoolean());
        Assert.Equal(1, d.GetProperty("errors").GetInt32());
        var e = d.GetProperty("diagnostics").EnumerateArray().Single();
        Assert.Equal("error", e.GetProperty("severity").GetString());
        var where = $"{e.GetProperty("file").GetString()}:{e.GetProperty("line").GetInt32()}:{e.GetProperty("column").GetInt32()}";
        Assert.Contains($"{where}: error: {e.GetProperty("message").GetString()}", text.StdOut);
        Assert.Contains("lable", e.GetProperty("message").GetString());

        var ok = Parse(CliRunner.Run("policy", "check", CliRunner.ExamplePolicy, "--json"));
        Assert.True(ok.GetProperty("ok").GetBoolean());
        Assert.Equal(0, ok.GetProperty("diagnostics").GetArrayLength());
    }

    [Theory]
    [InlineData(1, "attach", "ste", "--attach", "hr-db", "--resource", "blue-net")]
    [InlineData(1, "start", "chinese-wall", "--start", "avis-web", "--running", "hertz-web")]
    [InlineData(1, "carry", "carriage", "--carry", "blue", "--between", "host1", "host2")]
    [InlineData(0, "carry", "carriage", "--carry", "red", "--between", "host1", "host2")]
    [InlineData(1, "join", "attestation", "--join", "red", "--host", "host2")]
    public void Explain_gives_the_decision_the_text_prints_with_the_same_exit_code(int exit, string action, string rule, params string[] question)
    {
        var text = CliRunner.Run(["policy", "explain", CliRunner.ExamplePolicy, .. question]);
        var r = CliRunner.Run(["policy", "explain", CliRunner.ExamplePolicy, .. question, "--json"]);

        Assert.Equal(exit, text.ExitCode);
        Assert.True(r.ExitCode == exit, r.All);
        var d = Parse(r);
        Assert.Equal(exit == 0, d.GetProperty("allowed").GetBoolean());
        Assert.Equal(action, d.GetProperty("action").GetString());
        Assert.Equal(rule, d.GetProperty("rule").GetString());
        Assert.Equal(text.StdOut.Split('\n')[0], d.GetProperty("decision").GetString());
        Assert.Equal(JsonValueKind.Null, d.GetProperty("evidence").ValueKind);
    }

    [Fact]
    public void Explain_names_the_parties_and_types_of_a_chinese_wall_denial()
    {
        var d = Parse(CliRunner.Run("policy", "explain", CliRunner.ExamplePolicy, "--start", "avis-web", "--running", "hertz-web", "--json"));

        Assert.Equal(("avis-web", "host1", "avis", "hertz"), (d.GetProperty("guest").GetString(), d.GetProperty("host").GetString(),
            d.GetProperty("type").GetString(), d.GetProperty("other_type").GetString()));
        Assert.Equal(JsonValueKind.Null, d.GetProperty("must_prove").ValueKind);
        Assert.Equal(JsonValueKind.Null, d.GetProperty("attestation").ValueKind);
    }

    [Fact]
    public void Explain_of_a_join_without_evidence_says_what_must_be_proved()
    {
        var r = CliRunner.Run("policy", "explain", CliRunner.ExamplePolicy, "--join", "red", "--host", "host2", "--json");

        var d = Parse(r);
        Assert.Equal(("host2", "red", "known-good", "not_presented"), (d.GetProperty("peer_host").GetString(), d.GetProperty("tvd").GetString(),
            d.GetProperty("requirement").GetString(), d.GetProperty("attestation").GetString()));
        var m = d.GetProperty("must_prove");
        Assert.Equal("known-good", m.GetProperty("requirement").GetString());
        Assert.Matches($"^{Regex.Escape(CliRunner.ExamplePolicy)}:\\d+:1$", m.GetProperty("location").GetString());
        Assert.Equal(("sha256:13", 60, false), (m.GetProperty("pcrs").GetString(), m.GetProperty("max_age_s").GetInt32(), m.GetProperty("software_tpm").GetBoolean()));
        Assert.Equal(new string('0', 64), m.GetProperty("ak_pin").GetString());
        Assert.Equal(["blue"], Strings(m.GetProperty("also_for")));
    }

    [Fact]
    public void A_usage_error_with_json_exits_2_with_nothing_on_stdout()
    {
        var r = CliRunner.Run("policy", "explain", CliRunner.ExamplePolicy, "--attach", "hr-db", "--json");
        var unknown = CliRunner.Run("policy", "explain", CliRunner.ExamplePolicy, "--attach", "nobody", "--resource", "red-net", "--json");
        var broken = CliRunner.Run("policy", "show", Path.Combine(_dir, "absent.toml"), "--json");

        Assert.Equal((2, ""), (r.ExitCode, r.StdOut));
        Assert.Equal((2, ""), (unknown.ExitCode, unknown.StdOut));
        Assert.Equal((2, ""), (broken.ExitCode, broken.StdOut));
        Assert.NotEmpty(broken.StdErr);
    }
}
