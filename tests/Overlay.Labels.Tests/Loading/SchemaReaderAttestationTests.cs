using Overlay.Labels.Model;

namespace Overlay.Labels.Tests.Loading;

/// <summary><c>[[attestation]]</c> as the schema reader checks it: keys, types, ranges, PCRs, reference lines, pins.</summary>
public sealed class SchemaReaderAttestationTests
{
    [Fact]
    public void A_requirement_with_every_key_loads_and_keeps_what_was_written()
    {
        var policy = LoadAssert.Clean(AttestationText.With($"""
            reference_values = "ref/reference.txt"
            reference = ["{AttestationText.Digest}  /usr/sbin/tvd-overlayd", "tvd red {AttestationText.Zeros}"]
            max_age = 120
            software_tpm = true
            ak_pins = {"{"} h2 = "{AttestationText.Digest.ToUpperInvariant()}", "h1" = "{AttestationText.Zeros}" {"}"}
            ak_ca = ["/etc/tvd/ak-ca.pem", "more-cas.pem"]

            """));

        var a = Assert.Single(policy.Attestations);
        Assert.Equal("known-good", a.Name);
        Assert.Equal("sha256", a.PcrBank);
        Assert.Equal([13], a.Pcrs);
        Assert.Equal(new PolicyFileReference("ref/reference.txt", Path.Combine("ref", "reference.txt"), new SourceLocation(LoadAssert.File, 25, 20)), a.ReferenceValues);
        Assert.Equal([$"{AttestationText.Digest}  /usr/sbin/tvd-overlayd", $"tvd red {AttestationText.Zeros}"], a.ReferenceLines.Select(l => l.Text));
        Assert.Equal(new SourceLocation(LoadAssert.File, 26, 14), a.ReferenceLines[0].Location);
        Assert.Equal(TimeSpan.FromSeconds(120), a.MaxAge);
        Assert.True(a.SoftwareTpmAllowed);
        Assert.Equal([("h2", AttestationText.Digest), ("h1", AttestationText.Zeros)], a.AkPins.Select(p => (p.Host, p.Fingerprint)));
        Assert.Equal(new SourceLocation(LoadAssert.File, 29, 13), a.AkPins[0].Location);
        Assert.Equal(["/etc/tvd/ak-ca.pem", "more-cas.pem"], a.AkCas.Select(c => c.Path));
        Assert.Equal(new SourceLocation(LoadAssert.File, 22, 1), a.Location);
        Assert.Equal("known-good", policy.Tvds[0].Attestation);
    }

    [Fact]
    public void Optional_keys_take_their_defaults()
    {
        var a = Assert.Single(LoadAssert.Clean(AttestationText.WithSources("")).Attestations);

        Assert.Equal(TimeSpan.FromSeconds(60), a.MaxAge);
        Assert.False(a.SoftwareTpmAllowed);
        Assert.Empty(a.ReferenceLines);
        Assert.Empty(a.AkCas);
    }

    [Theory]
    [InlineData("max_age = 1", 1)]
    [InlineData("max_age = 300", 300)]
    public void Max_age_is_one_to_three_hundred_seconds(string line, int seconds)
    {
        var a = Assert.Single(LoadAssert.Clean(AttestationText.WithSources(line + "\n")).Attestations);

        Assert.Equal(TimeSpan.FromSeconds(seconds), a.MaxAge);
    }

    [Theory]
    [InlineData("max_age = 0", 11, "`max_age` of attestation `known-good` must be 1 to 300 seconds, found 0")]
    [InlineData("max_age = 301", 11, "must be 1 to 300 seconds, found 301")]
    [InlineData("max_age = \"60\"", 11, "`max_age` must be an integer, found a string (remove the quotes: `max_age = 60`)")]
    [InlineData("software_tpm = \"yes\"", 16, "`software_tpm` must be a boolean, found a string")]
    [InlineData("reference = \"x\"", 13, "`reference` must be an array of strings, found a string")]
    [InlineData("ak_ca = [\"\"]", 10, "`ak_ca` of attestation `known-good` lists an empty path")]
    [InlineData("ak_ca = [\"a.pem\", \"a.pem\"]", 19, "`a.pem` is listed twice in `ak_ca`")]
    [InlineData("pcrs2 = 1", 1, "unknown key `pcrs2` in [[attestation]]; did you mean `pcrs`?")]
    public void A_bad_value_is_reported_at_it(string line, int column, string message)
    {
        LoadAssert.SingleError(AttestationText.WithSources(line + "\n"), 25, column, message);
    }

    [Fact]
    public void An_empty_reference_values_path_is_reported_at_it_and_counts_as_given()
    {
        var toml = AttestationText.With("reference_values = \"\"\nak_ca = [\"ca.pem\"]\n");

        LoadAssert.SingleError(toml, 25, 20, "`reference_values` must be a non-empty string, found a string");
    }

    [Fact]
    public void Pcrs_name_and_the_sources_are_required()
    {
        var result = LoadAssert.Load(LoadAssert.Base + "[[attestation]]\n");

        Assert.Equal(
        [
            "test.toml:12:1: error: [[attestation]] is missing required key `name`",
            "test.toml:12:1: error: [[attestation]] is missing required key `pcrs`",
            "test.toml:12:1: error: attestation has no reference values: set `reference_values` (a file), `reference` (inline lines) or both; without them it would accept whatever a host runs",
            "test.toml:12:1: error: attestation trusts no attestation key: set `ak_pins` (host name -> AK fingerprint), `ak_ca` (CA certificates of AKs) or both; an unknown AK is refused, so no host could meet it",
        ],
            result.Errors.Select(e => e.ToString()));
    }

    [Theory]
    [InlineData("reference = []\nak_pins = { h1 = \"" + AttestationText.Zeros + "\" }\n", "has no reference values")]
    [InlineData("reference_values = \"r.txt\"\nak_pins = {}\nak_ca = []\n", "trusts no attestation key")]
    public void Empty_sources_are_no_sources(string keys, string message)
    {
        LoadAssert.SingleError(AttestationText.With(keys), 22, 1, $"attestation `known-good` {message}");
    }

    [Theory]
    [InlineData("reference = [\"" + AttestationText.Digest + " /bin/sh\"]\nak_pins = { h1 = \"" + AttestationText.Zeros + "\" }\n")]
    [InlineData("reference_values = \"r.txt\"\nak_ca = [\"ca.pem\"]\n")]
    public void Either_source_of_each_kind_is_enough(string keys)
    {
        LoadAssert.Clean(AttestationText.With(keys));
    }

    [Fact]
    public void A_misspelled_source_is_one_error_not_two()
    {
        var toml = AttestationText.With("referenec = [\"x\"]\nak_pins = { h1 = \"" + AttestationText.Zeros + "\" }\n");

        LoadAssert.SingleError(toml, 25, 1, "unknown key `referenec` in [[attestation]]; did you mean `reference`?");
    }

    [Fact]
    public void A_source_of_the_wrong_type_is_one_error_not_two()
    {
        var toml = AttestationText.With("reference_values = \"r.txt\"\nak_pins = [\"h1\"]\n");

        LoadAssert.SingleError(toml, 26, 11, "`ak_pins` must be an inline table, found an array");
    }

    [Theory]
    [InlineData("pcrs = \"sha256:0-7,13\"", new[] { 0, 1, 2, 3, 4, 5, 6, 7, 13 })]
    [InlineData("pcrs = \"sha1: 13 , 10\"", new[] { 10, 13 })]
    [InlineData("pcrs = \"sha512:22\"", new[] { 22 })]
    [InlineData("pcrs = \"sha384:0-15,17-22\"", new[] { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17, 18, 19, 20, 21, 22 })]
    public void Pcrs_are_a_bank_and_a_list_of_numbers_and_ranges(string line, int[] pcrs)
    {
        var toml = AttestationText.Head.Replace("pcrs = \"sha256:13\"", line, StringComparison.Ordinal) + AttestationText.Sources;

        Assert.Equal(pcrs, Assert.Single(LoadAssert.Clean(toml).Attestations).Pcrs);
    }

    [Theory]
    [InlineData("pcrs = \"sha256:16\"", "PCR 16 (debug) can be reset by software at any time, so a quote over it proves nothing")]
    [InlineData("pcrs = \"sha256:13,23\"", "PCR 23 (application support) can be reset by software at any time, so a quote over it proves nothing")]
    [InlineData("pcrs = \"sha256:10-20\"", "PCR 16 (debug)")]
    [InlineData("pcrs = \"sha256\"", "`pcrs` must be <bank>:<PCRs>, e.g. \"sha256:13\" or \"sha256:0-7,13\", found \"sha256\"")]
    [InlineData("pcrs = \"sha256:\"", "`pcrs` selects no PCR of bank `sha256`")]
    [InlineData("pcrs = \"sha265:13\"", "PCR bank `sha265` is not one of sha1, sha256, sha384, sha512; did you mean `sha256`?")]
    [InlineData("pcrs = \"md5:13\"", "PCR bank `md5` is not one of sha1, sha256, sha384, sha512")]
    [InlineData("pcrs = \"sha1:0+sha256:13\"", "`pcrs` names one bank")]
    [InlineData("pcrs = \"sha256:24\"", "PCR 24 does not exist; PCRs are 0-23")]
    [InlineData("pcrs = \"sha256:x\"", "`x` is not a PCR number; PCRs are 0-23, a range is written 0-7")]
    [InlineData("pcrs = \"sha256:-1\"", "`-1` is not a PCR number or a range such as 0-7")]
    [InlineData("pcrs = \"sha256:3-\"", "`3-` is not a PCR number or a range such as 0-7")]
    [InlineData("pcrs = \"sha256:13,\"", "`pcrs` has an empty item between commas")]
    [InlineData("pcrs = \"sha256:9-8\"", "PCR range 9-8 runs backwards; write 8-9")]
    [InlineData("pcrs = \"sha256:0-7,7\"", "PCR 7 is selected twice")]
    public void A_bad_pcr_selection_is_reported_at_its_value(string line, string message)
    {
        var toml = AttestationText.Head.Replace("pcrs = \"sha256:13\"", line, StringComparison.Ordinal) + AttestationText.Sources;

        LoadAssert.SingleError(toml, 24, 8, message);
    }

    [Fact]
    public void A_range_over_both_resettable_pcrs_names_each()
    {
        var toml = AttestationText.Head.Replace("pcrs = \"sha256:13\"", "pcrs = \"sha256:0-23\"", StringComparison.Ordinal) + AttestationText.Sources;

        var errors = LoadAssert.Load(toml).Errors.Select(e => e.Message).ToList();

        Assert.Equal(2, errors.Count);
        Assert.StartsWith("PCR 16 ", errors[0]);
        Assert.StartsWith("PCR 23 ", errors[1]);
    }

    [Theory]
    [InlineData("3f1c  /usr/sbin/x", "has a digest of 4 hex digits; a SHA-256 digest has 64")]
    [InlineData("3f1c…e0  /usr/sbin/x", "must be `<64 hex SHA-256>  <path>` or `tvd <TVD> <64 hex SHA-256>`")]
    [InlineData(AttestationText.Digest, "names no path after its digest")]
    [InlineData(AttestationText.Digest + "  *", "names no path after its digest")]
    [InlineData("tvd red 5b2e", "is not `tvd <TVD> <64 hex SHA-256>`")]
    [InlineData("tvd red " + AttestationText.Digest + " extra", "is not `tvd <TVD> <64 hex SHA-256>`")]
    [InlineData("", "is empty")]
    [InlineData("   ", "is empty")]
    [InlineData("# a comment", "is a comment; write comments as TOML comments, outside the string")]
    [InlineData(AttestationText.Digest + " /a\\n" + AttestationText.Digest + " /b", "holds a line break or control character; write one reference line per string")]
    public void A_bad_reference_line_is_reported_at_it(string line, string problem)
    {
        var toml = AttestationText.WithSources($"reference = [\"x\", \"{line}\"]\n".Replace("[\"x\", ", "[", StringComparison.Ordinal));

        var error = LoadAssert.SingleError(toml, 25, 14, $"`reference` line \"");
        Assert.Contains($"of attestation `known-good` {problem}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(AttestationText.Digest + "  /usr/sbin/tvd-overlayd")]
    [InlineData(AttestationText.Digest + " */usr/lib/libx.so")]
    [InlineData(AttestationText.Digest + "\t/path with spaces/f")]
    [InlineData("tvd red " + AttestationText.Digest)]
    [InlineData("  tvd\tred  " + AttestationText.Digest + "  ")]
    public void Reference_lines_take_the_forms_of_a_reference_values_file(string line)
    {
        var toml = AttestationText.WithSources($"reference = [\"{line.Replace("\t", "\\t", StringComparison.Ordinal)}\"]\n");

        Assert.Equal([line], Assert.Single(LoadAssert.Clean(toml).Attestations).ReferenceLines.Select(l => l.Text));
    }

    [Theory]
    [InlineData("ak_pins = { h1 = \"00\" }", 18, "AK fingerprint of host `h1` in attestation `known-good` has a digest of 2 hex digits; a SHA-256 digest has 64")]
    [InlineData("ak_pins = { h1 = \"sha256:" + AttestationText.Zeros + "\" }", 18, "; write it without `sha256:`")]
    [InlineData("ak_pins = { h1 = \"" + AttestationText.Zeros + "\", h1 = \"" + AttestationText.Zeros + "\" }", 86, "key `h1` is already set on line 27")]
    [InlineData("ak_pins = { h1 = 5 }", 18, "`h1` must be a string, found an integer")]
    [InlineData("ak_pins = { h1.example = \"" + AttestationText.Zeros + "\" }", 13,
        "host name `h1.example` in `ak_pins` of attestation `known-good` must be quoted: write `\"h1.example\" = \"…\"`")]
    [InlineData("ak_pins = \"h1\"", 11, "`ak_pins` must be an inline table, found a string")]
    public void A_bad_pin_is_reported_at_it(string line, int column, string message)
    {
        var toml = AttestationText.With($"reference_values = \"r.txt\"\nak_ca = [\"ca.pem\"]\n{line}\n");

        LoadAssert.SingleError(toml, 27, column, message);
    }

    [Fact]
    public void A_pin_is_kept_lowercase()
    {
        var toml = AttestationText.With($"reference_values = \"r.txt\"\nak_pins = {{ \"h1\" = \"{AttestationText.Digest.ToUpperInvariant()}\" }}\n");

        Assert.Equal(AttestationText.Digest, Assert.Single(Assert.Single(LoadAssert.Clean(toml).Attestations).AkPins).Fingerprint);
    }

    [Fact]
    public void Pins_written_as_a_nested_table_are_told_to_be_inline()
    {
        var toml = AttestationText.WithSources("") + "\n[attestation.ak_pins]\nh1 = \"x\"\n";

        LoadAssert.SingleError(toml, 28, 2,
            "unknown table [attestation.ak_pins]: write the pins inside [[attestation]] as an inline table, `ak_pins = { host1 = \"<fingerprint>\" }`");
    }

    [Fact]
    public void Attestation_written_as_a_single_table_is_reported()
    {
        var toml = AttestationText.WithSources("").Replace("[[attestation]]", "[attestation]", StringComparison.Ordinal);

        LoadAssert.SingleError(toml, 22, 1, "`attestation` is an array of tables: write [[attestation]], not [attestation]");
    }
}
