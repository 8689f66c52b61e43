using Overlay.Common.Toml;

namespace Overlay.Labels.Loading;

/// <summary>Resources guests bind to: networks (one TVD each) and volumes (one or more STE types).</summary>
internal sealed partial class SchemaReader
{
    private static readonly string[] NetworkKeys = ["name", "tvd"];
    private static readonly string[] VolumeKeys = ["name", "types"];

    private void ReadNetwork(TomlSection section)
    {
        var reader = Open(section, NetworkKeys);
        var name = ReadName(reader, "name", required: true);
        var tvd = reader.String("tvd", required: true);

        _draft.Networks.Add(new NetworkDraft(section.HeaderLocation, name, tvd));
    }

    private void ReadVolume(TomlSection section)
    {
        var reader = Open(section, VolumeKeys);
        var name = ReadName(reader, "name", required: true);
        var types = reader.StringList("types", required: true);

        if (types is { Value.Count: 0 } none)
        {
            _diagnostics.Error(none.Location,
                $"{Describe("volume", name)} has no type: `types` must list at least one STE type");
        }

        _draft.Volumes.Add(new VolumeDraft(section.HeaderLocation, name, types?.Value ?? []));
    }
}
