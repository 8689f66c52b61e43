using Overlay.Common.Toml;

namespace Overlay.Labels.Loading;

/// <summary>
/// What an <c>[[attestation]]</c> refers to and what refers to it: a TVD's <c>attestation</c> names a requirement,
/// a requirement's <c>tvd</c> reference lines name TVDs and its pins name hosts.
/// </summary>
internal sealed partial class PolicyValidator
{
    private void CheckAttestations()
    {
        var requirements = _draft.Attestations
            .Where(a => a.Name is not null)
            .Select(a => a.Name!.Value.Value)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        foreach (var tvd in _draft.Tvds)
        {
            if (tvd.Attestation is { } required && !requirements.Contains(required.Value, StringComparer.Ordinal))
            {
                ReportUnknown(required, "attestation requirement", requirements, Describe("TVD", tvd.Name));
            }
        }

        var hosts = _draft.Hosts.Where(h => h.Name is not null).Select(h => h.Name!.Value.Value).ToHashSet(StringComparer.Ordinal);
        foreach (var attestation in _draft.Attestations)
        {
            var what = Describe("attestation", attestation.Name);
            foreach (var line in attestation.Reference)
            {
                if (line.Tvd is { } tvd && !_tvdsByName.ContainsKey(tvd))
                {
                    ReportUnknown(line.Line with { Value = tvd }, "TVD", _tvdsByName.Keys, $"`reference` line \"{line.Line.Value}\" of {what}");
                }
            }

            foreach (var pin in attestation.AkPins)
            {
                if (!hosts.Contains(pin.Host.Value))
                {
                    ReportUnknown(pin.Host, "host", hosts, $"`{SchemaReader.AkPinsKey}` of {what}");
                }
            }
        }
    }

    /// <summary>
    /// A requirement no TVD names enforces nothing: most likely a typo in a TVD or a leftover. Not said of a
    /// requirement that a misspelled TVD reference was already pointed to ("did you mean"): that is one mistake.
    /// </summary>
    private void WarnAboutUnusedAttestations()
    {
        var names = _draft.Attestations.Where(a => a.Name is not null).Select(a => a.Name!.Value.Value).ToList();
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tvd in _draft.Tvds)
        {
            if (tvd.Attestation is { } required)
            {
                used.Add(names.Contains(required.Value, StringComparer.Ordinal)
                    ? required.Value
                    : Suggestions.Closest(required.Value, names) ?? required.Value);
            }
        }

        foreach (var attestation in _draft.Attestations)
        {
            if (attestation.Name is { } name && used.Add(name.Value))
            {
                _diagnostics.Warning(name.Location, $"attestation `{name.Value}` is required by no TVD, so it constrains nothing");
            }
        }
    }
}
