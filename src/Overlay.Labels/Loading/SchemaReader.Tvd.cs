using Overlay.Common.Toml;

namespace Overlay.Labels.Loading;

internal sealed partial class SchemaReader
{
    /// <summary>802.1Q reserves VID 0 (priority tag) and 4095.</summary>
    public const int MinVlanId = 1;
    public const int MaxVlanId = 4094;

    private static readonly string[] TvdKeys = ["name", "description", "type", "vlan", "label", "attestation"];

    private void ReadTvd(TomlSection section)
    {
        var reader = Open(section, TvdKeys);
        var name = ReadName(reader, "name", required: true);
        var description = reader.String("description", required: false);
        var type = ReadName(reader, "type", required: false);
        var vlan = reader.Integer("vlan", required: true);
        var label = reader.String("label", required: false);
        var attestation = ReadName(reader, "attestation", required: false);

        if (vlan is { Value: < MinVlanId or > MaxVlanId } badVlan)
        {
            _diagnostics.Error(badVlan.Location,
                $"VLAN id {badVlan.Value} of {Describe("TVD", name)} is outside {MinVlanId}-{MaxVlanId}");
        }

        if (label is { } written && NameRules.ProblemWithLabel(written.Value) is { } problem)
        {
            _diagnostics.Error(written.Location, $"`label` of {Describe("TVD", name)} {problem}");
        }

        _draft.Tvds.Add(new TvdDraft(section.HeaderLocation, name, description?.Value ?? "", type, vlan, label, attestation));
    }
}
