using Overlay.Common.Toml;

namespace Overlay.Labels.Loading;

/// <summary>
/// <c>[[attestation]]</c>: what a peer host must prove to join a TVD. Checks here need only the table itself (the
/// PCR selection, each reference line and pin, the ranges, that some reference values and some AK trust are
/// given); the TVDs of reference lines and the hosts of pins are the validator's.
/// </summary>
internal sealed partial class SchemaReader
{
    /// <summary>Evidence age accepted when <c>max_age</c> is not written, and the bounds of <c>max_age</c> (seconds).</summary>
    public const int DefaultMaxAgeSeconds = 60;
    public const int MinMaxAgeSeconds = 1;

    /// <summary>Five minutes: beyond that, a host that turned bad keeps its CHILD_SAs too long (issue 11: cut within max_age + 5 s).</summary>
    public const int MaxMaxAgeSeconds = 300;

    public const string AkPinsKey = "ak_pins";

    private static readonly string[] AttestationKeys =
        ["name", "pcrs", "reference_values", "reference", "max_age", "software_tpm", AkPinsKey, "ak_ca"];

    private void ReadAttestation(TomlSection section)
    {
        var reader = Open(section, AttestationKeys);
        var name = ReadName(reader, "name", required: true);
        var what = Describe("attestation", name);
        var pcrs = ReadPcrs(reader);
        var referenceValues = reader.NonEmptyString("reference_values", required: false);
        var referenceLines = reader.StringList("reference", required: false);
        var maxAge = reader.Integer("max_age", required: false);
        var softwareTpm = reader.Boolean("software_tpm", required: false);
        var pinTable = reader.InlineTable(AkPinsKey, required: false);
        var cas = reader.StringList("ak_ca", required: false);

        if (maxAge is { Value: < MinMaxAgeSeconds or > MaxMaxAgeSeconds } badAge)
        {
            _diagnostics.Error(badAge.Location,
                $"`max_age` of {what} must be {MinMaxAgeSeconds} to {MaxMaxAgeSeconds} seconds, found {badAge.Value}");
            maxAge = null;
        }

        foreach (var ca in cas?.Value ?? [])
        {
            if (ca.Value.Length == 0)
            {
                _diagnostics.Error(ca.Location, $"`ak_ca` of {what} lists an empty path");
            }
        }

        // A key written with the wrong type or misspelled was reported; "none given" on top would be the same
        // mistake twice, so only a key not written, or written empty, counts as missing.
        if (!Given(reader, "reference_values", 1) && !Given(reader, "reference", referenceLines?.Value.Count))
        {
            _diagnostics.Error(reader.Location,
                $"{what} has no reference values: set `reference_values` (a file), `reference` (inline lines) or both; without them it would accept whatever a host runs");
        }

        if (!Given(reader, AkPinsKey, pinTable?.Value.Count) && !Given(reader, "ak_ca", cas?.Value.Count))
        {
            _diagnostics.Error(reader.Location,
                $"{what} trusts no attestation key: set `{AkPinsKey}` (host name -> AK fingerprint), `ak_ca` (CA certificates of AKs) or both; an unknown AK is refused, so no host could meet it");
        }

        _draft.Attestations.Add(new AttestationDraft(
            section.HeaderLocation,
            name,
            pcrs,
            referenceValues,
            ReadReferenceLines(referenceLines?.Value ?? [], what),
            maxAge,
            softwareTpm?.Value ?? false,
            ReadAkPins(reader, pinTable?.Value ?? [], what),
            cas?.Value ?? []));
    }

    private Located<(string Bank, int[] Pcrs)>? ReadPcrs(TomlSectionReader reader)
    {
        if (reader.String("pcrs", required: true) is not { } text)
        {
            return null;
        }

        var problems = PcrSelectionText.Parse(text.Value, out var bank, out var pcrs);
        foreach (var problem in problems)
        {
            _diagnostics.Error(text.Location, problem);
        }

        return pcrs is null ? null : new Located<(string, int[])>((bank, pcrs), text.Location);
    }

    private List<ReferenceLineDraft> ReadReferenceLines(IReadOnlyList<Located<string>> written, string what)
    {
        var lines = new List<ReferenceLineDraft>();
        foreach (var line in written)
        {
            if (ReferenceLineText.Problem(line.Value, out var tvd) is { } problem)
            {
                _diagnostics.Error(line.Location, $"`reference` line \"{line.Value}\" of {what} {problem}");
                continue;
            }

            lines.Add(new ReferenceLineDraft(line, tvd));
        }

        return lines;
    }

    private List<AkPinDraft> ReadAkPins(TomlSectionReader reader, IReadOnlyList<TomlEntry> written, string what)
    {
        var pins = new List<AkPinDraft>();
        foreach (var entry in written)
        {
            if (entry.IsDotted)
            {
                _diagnostics.Error(entry.KeyLocation,
                    $"host name `{entry.Key}` in `{AkPinsKey}` of {what} must be quoted: write `\"{entry.Key}\" = \"…\"` (unquoted, a dotted key is a nested table)");
                continue;
            }

            if (reader.StringOf(entry) is not { } fingerprint)
            {
                continue;
            }

            var hex = fingerprint.Value;
            if (ReferenceLineText.DigestProblem(hex) is { } problem)
            {
                var hint = hex.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase) ? "; write it without `sha256:`" : "";
                _diagnostics.Error(fingerprint.Location,
                    $"AK fingerprint of host `{entry.Key}` in {what} {problem} (the SHA-256 of the AK's SubjectPublicKeyInfo, as `tvdctl attest daemon-quote` prints it after `ak_pin`){hint}");
                continue;
            }

            pins.Add(new AkPinDraft(new Located<string>(entry.Key, entry.KeyLocation), fingerprint with { Value = hex.ToLowerInvariant() }));
        }

        return pins;
    }

    /// <summary>
    /// True when <paramref name="key"/> is written and not empty: <paramref name="count"/> is how many items were
    /// read, null when the value had the wrong type (reported, and then it counts as given, as does a misspelling
    /// of the key that was reported with it as the suggestion).
    /// </summary>
    private static bool Given(TomlSectionReader reader, string key, int? count) =>
        (reader.Has(key) && count is not 0) || reader.WasSuggested(key);
}
