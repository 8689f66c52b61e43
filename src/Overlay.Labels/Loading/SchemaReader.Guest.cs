using Overlay.Common.Toml;

namespace Overlay.Labels.Loading;

internal sealed partial class SchemaReader
{
    private static readonly string[] GuestKeys = ["name", "types", "cw_types", "networks"];

    private void ReadGuest(TomlSection section)
    {
        var reader = Open(section, GuestKeys);
        var name = ReadName(reader, "name", required: true);
        var types = reader.StringList("types", required: true);
        var cwTypes = reader.StringList("cw_types", required: false);
        var networks = reader.StringList("networks", required: false);

        if (types is { Value.Count: 0 } none)
        {
            _diagnostics.Error(none.Location,
                $"{Describe("guest", name)} has no type: `types` must list at least one STE type");
        }

        _draft.Guests.Add(new GuestDraft(
            section.HeaderLocation, name, types?.Value ?? [], cwTypes?.Value ?? [], networks?.Value ?? []));
    }
}
