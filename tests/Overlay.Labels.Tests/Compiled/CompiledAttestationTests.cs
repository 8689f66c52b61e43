using Overlay.Labels.Compiled;
using Overlay.Labels.Loading;
using Overlay.Labels.Model;
using Overlay.Labels.Tests.Loading;
using Overlay.Labels.Tests.Support;

namespace Overlay.Labels.Tests.Compiled;

/// <summary>A requirement as the verifier consumes it, and which TVDs name it.</summary>
public sealed class CompiledAttestationTests
{
    [Fact]
    public void The_example_compiles_known_good_for_red_and_blue_and_none_for_green()
    {
        var policy = TestPolicies.Example();

        var known = Assert.Single(policy.Attestations);
        Assert.Same(known, policy.FindAttestation("known-good"));
        Assert.Same(known, policy.FindTvd("red")!.Attestation);
        Assert.Same(known, policy.FindTvd("blue")!.Attestation);
        Assert.Null(policy.FindTvd("green")!.Attestation);
        Assert.Equal(["red", "blue"], policy.TvdsRequiring(known).Select(t => t.Name));
        Assert.Null(policy.FindAttestation("known-god"));
    }

    [Fact]
    public void Every_part_of_the_requirement_is_there_for_the_verifier()
    {
        var toml = AttestationText.Head.Replace("pcrs = \"sha256:13\"", "pcrs = \"sha1:0-2,10\"", StringComparison.Ordinal) + $"""
            reference_values = "reference.txt"
            reference = ["tvd red {AttestationText.Digest}"]
            max_age = 30
            software_tpm = true
            ak_pins = {"{"} h2 = "{AttestationText.Digest}" {"}"}
            ak_ca = ["ca.pem"]

            """;
        var policy = CompiledPolicy.Compile(PolicyLoader.Load(toml, "/etc/tvd/policy.toml").Policy!);

        var a = policy.FindTvd("red")!.Attestation!;

        Assert.Equal("known-good", a.Name);
        Assert.Equal("sha1", a.PcrBank);
        Assert.Equal([0, 1, 2, 10], a.Pcrs);
        Assert.Equal("sha1:0,1,2,10", a.PcrSelection);
        Assert.Equal("/etc/tvd/reference.txt", a.ReferenceValues!.Path);
        Assert.Equal(new SourceLocation("/etc/tvd/policy.toml", 25, 20), a.ReferenceValues.Location);
        Assert.Equal([$"tvd red {AttestationText.Digest}"], a.ReferenceLines.Select(l => l.Text));
        Assert.Equal(TimeSpan.FromSeconds(30), a.MaxAge);
        Assert.True(a.SoftwareTpmAllowed);
        Assert.Equal(AttestationText.Digest, a.AkPinFor("h2"));
        Assert.Null(a.AkPinFor("h1"));
        Assert.Equal(new Dictionary<string, string> { ["h2"] = AttestationText.Digest }, a.AkPins);
        Assert.Equal(["/etc/tvd/ca.pem"], a.AkCas.Select(c => c.Path));
        Assert.Equal(new SourceLocation("/etc/tvd/policy.toml", 22, 1), a.Location);
        Assert.Null(policy.FindTvd("blue")!.Attestation);
    }

    [Fact]
    public void A_definition_naming_an_undefined_requirement_is_a_programming_error()
    {
        var definition = TestPolicies.Synthetic(tvds: 1, guests: 0, conflictSets: 0);
        var broken = definition with { Tvds = [definition.Tvds[0] with { Attestation = "missing" }] };

        var e = Assert.Throws<ArgumentException>(() => CompiledPolicy.Compile(broken));
        Assert.Contains("unknown attestation requirement 'missing'", e.Message, StringComparison.Ordinal);
    }
}
