using Overlay.Common.Toml;

namespace Overlay.Labels.Loading;

internal sealed partial class SchemaReader
{
    private static readonly string[] ConflictSetKeys = ["name", "types"];

    private void ReadConflictSet(TomlSection section)
    {
        var reader = Open(section, ConflictSetKeys);
        var name = ReadName(reader, "name", required: true);
        var types = ReadTypeNames(reader, "types", required: true);

        // The list is already free of repeats, so its length is the number of distinct types.
        if (types is { Value.Count: < 2 } tooFew)
        {
            _diagnostics.Error(tooFew.Location,
                $"{Describe("conflict set", name)} must list at least two distinct types, found {tooFew.Value.Count}");
        }

        _draft.ConflictSets.Add(new ConflictSetDraft(section.HeaderLocation, name, types?.Value ?? []));
    }
}
