using Overlay.Common.Toml;

namespace Overlay.Labels.Loading;

internal sealed partial class SchemaReader
{
    private static readonly string[] PolicyKeys = ["name", "version", "replaces"];

    private void ReadPolicy(TomlSection section)
    {
        if (_draft.Policy is { } first)
        {
            _diagnostics.Error(section.HeaderLocation, $"[policy] is already defined on line {first.Header.Line}");
            return;
        }

        var reader = Open(section, PolicyKeys);
        var name = ReadName(reader, "name", required: true);
        var version = reader.Integer("version", required: true);
        var replaces = reader.Integer("replaces", required: false);

        if (version is { Value: < 1 } badVersion)
        {
            _diagnostics.Error(badVersion.Location, $"`version` must be at least 1, found {badVersion.Value}");
        }

        if (replaces is { Value: < 1 } badReplaces)
        {
            _diagnostics.Error(badReplaces.Location, $"`replaces` must be at least 1, found {badReplaces.Value}");
        }
        else if (replaces is { } old && version is { } current && old.Value >= current.Value)
        {
            _diagnostics.Error(old.Location,
                $"`replaces` ({old.Value}) must be lower than `version` ({current.Value}): a policy replaces an older version");
        }

        _draft.Policy = new PolicySectionDraft(section.HeaderLocation, name, version, replaces);
    }
}
