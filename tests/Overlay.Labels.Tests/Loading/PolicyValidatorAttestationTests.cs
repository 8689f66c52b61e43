using Overlay.Labels.Loading;

namespace Overlay.Labels.Tests.Loading;

/// <summary>What an <c>[[attestation]]</c> refers to and what refers to it, and where its files resolve.</summary>
public sealed class PolicyValidatorAttestationTests
{
    [Fact]
    public void A_tvd_naming_a_misspelled_requirement_is_told_the_closest_and_no_unused_warning_follows()
    {
        var toml = AttestationText.WithSources("").Replace("attestation = \"known-good\"", "attestation = \"known-god\"", StringComparison.Ordinal);

        var result = LoadAssert.Load(toml);

        var error = Assert.Single(result.Diagnostics);
        LoadAssert.AssertAt(error, 8, 15, "TVD `red` names unknown attestation requirement `known-god`; did you mean `known-good`?");
    }

    [Fact]
    public void A_tvd_naming_a_requirement_far_from_any_lists_the_known_ones()
    {
        var toml = AttestationText.WithSources("") + "\n[[tvd]]\nname = \"green\"\nvlan = 103\nattestation = \"trusted\"\n";

        LoadAssert.SingleError(toml, 31, 15, "TVD `green` names unknown attestation requirement `trusted` (known: known-good)");
    }

    [Fact]
    public void A_tvd_naming_a_requirement_in_a_policy_without_any_is_told_so()
    {
        var toml = LoadAssert.Base.Replace("vlan = 101", "vlan = 101\nattestation = \"known-good\"", StringComparison.Ordinal);

        LoadAssert.SingleError(toml, 8, 15, "names unknown attestation requirement `known-good` (the policy defines no attestation requirement)");
    }

    [Fact]
    public void Two_requirements_with_one_name_are_reported_at_the_second()
    {
        var toml = AttestationText.WithSources("") + "\n[[attestation]]\nname = \"known-good\"\npcrs = \"sha256:10\"\n" + AttestationText.Sources;

        LoadAssert.SingleError(toml, 29, 8, "duplicate attestation name `known-good` (first defined on line 23)");
    }

    [Fact]
    public void A_requirement_no_tvd_names_is_a_warning()
    {
        var toml = AttestationText.WithSources("") + "\n[[attestation]]\nname = \"spare\"\npcrs = \"sha256:10\"\n" + AttestationText.Sources;

        var result = LoadAssert.Load(toml);

        Assert.True(result.Succeeded);
        var warning = Assert.Single(result.Warnings);
        LoadAssert.AssertAt(warning, 29, 8, "attestation `spare` is required by no TVD, so it constrains nothing");
    }

    [Fact]
    public void A_reference_line_of_an_unknown_tvd_suggests_the_closest()
    {
        var toml = AttestationText.WithSources($"reference = [\"tvd rde {AttestationText.Zeros}\"]\n");

        LoadAssert.SingleError(toml, 25, 14,
            $"`reference` line \"tvd rde {AttestationText.Zeros}\" of attestation `known-good` names unknown TVD `rde`; did you mean `red`?");
    }

    [Fact]
    public void A_pin_of_an_unknown_host_suggests_the_closest()
    {
        var toml = AttestationText.With($"reference_values = \"r.txt\"\nak_pins = {{ h3 = \"{AttestationText.Zeros}\" }}\n");

        LoadAssert.SingleError(toml, 26, 13, "`ak_pins` of attestation `known-good` names unknown host `h3`; did you mean `h1`?");
    }

    [Fact]
    public void A_pin_in_a_policy_without_hosts_is_told_so()
    {
        var toml = AttestationText.WithSources("").Replace("[[host]]\nname = \"h1\"\ntypes = [\"*\"]\n", "", StringComparison.Ordinal)
            .Replace("[[host]]\nname = \"h2\"\ntypes = [\"red\"]\n", "", StringComparison.Ordinal);

        var error = Assert.Single(LoadAssert.Load(toml).Errors);

        Assert.Equal("`ak_pins` of attestation `known-good` names unknown host `h1` (the policy defines no host)", error.Message);
    }

    [Theory]
    [InlineData("/etc/tvd-overlay/policy.toml", "reference.txt", "/etc/tvd-overlay/reference.txt")]
    [InlineData("/etc/tvd-overlay/policy.toml", "refs/r.txt", "/etc/tvd-overlay/refs/r.txt")]
    [InlineData("/etc/tvd-overlay/policy.toml", "/srv/r.txt", "/srv/r.txt")]
    [InlineData("examples/policy.toml", "reference.txt", "examples/reference.txt")]
    [InlineData("policy.toml", "reference.txt", "reference.txt")]
    public void Paths_resolve_against_the_policy_files_directory(string policyFile, string written, string resolved)
    {
        var toml = AttestationText.With($"reference_values = \"{written}\"\nak_ca = [\"{written}\"]\n");

        var result = PolicyLoader.Load(toml, policyFile);

        var a = Assert.Single(result.Policy!.Attestations);
        Assert.Equal((written, resolved), (a.ReferenceValues!.Written, a.ReferenceValues.Path));
        Assert.Equal((written, resolved), (a.AkCas[0].Written, a.AkCas[0].Path));
        Assert.Equal($"{policyFile}:26:10", a.AkCas[0].Location.ToString());
    }

    [Fact]
    public void The_example_policy_requires_known_good_of_red_and_blue()
    {
        var path = RepoFiles.PathOf(Path.Combine("examples", "policy.toml"));

        var policy = PolicyLoader.LoadFile(path).Policy!;

        var a = Assert.Single(policy.Attestations);
        Assert.Equal(("known-good", "sha256", 13), (a.Name, a.PcrBank, Assert.Single(a.Pcrs)));
        Assert.Equal(RepoFiles.PathOf(Path.Combine("examples", "reference.txt")), a.ReferenceValues!.Path);
        Assert.True(File.Exists(a.ReferenceValues.Path));
        Assert.Equal(["host1", "host2"], a.AkPins.Select(p => p.Host));
        Assert.Equal((TimeSpan.FromSeconds(60), false), (a.MaxAge, a.SoftwareTpmAllowed));
    }
}
