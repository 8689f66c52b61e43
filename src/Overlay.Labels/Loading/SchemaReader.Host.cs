using Overlay.Common.Toml;

namespace Overlay.Labels.Loading;

internal sealed partial class SchemaReader
{
    /// <summary>Written alone in a host's <c>types</c>: the host may run every type (Xen ACM's dom0).</summary>
    public const string AllTypesWildcard = "*";

    private static readonly string[] HostKeys = ["name", "types"];

    private void ReadHost(TomlSection section)
    {
        var reader = Open(section, HostKeys);
        var name = ReadName(reader, "name", required: true);
        var types = reader.StringList("types", required: true);

        var listed = types?.Value ?? [];
        if (types is { Value.Count: 0 } none)
        {
            _diagnostics.Error(none.Location,
                $"{Describe("host", name)} lists no type, so it could run nothing; write `types = [\"*\"]` for every type");
        }

        var wildcard = listed.FirstOrDefault(t => t.Value == AllTypesWildcard);
        if (wildcard.Value is null)
        {
            _draft.Hosts.Add(new HostDraft(section.HeaderLocation, name, listed, AllTypes: false));
            return;
        }

        if (listed.Count > 1)
        {
            _diagnostics.Error(wildcard.Location,
                $"\"*\" means every type and cannot be combined with other types in {Describe("host", name)}");
        }

        _draft.Hosts.Add(new HostDraft(section.HeaderLocation, name, [], AllTypes: true));
    }
}
