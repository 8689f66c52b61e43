using System.Text.Json;

namespace Overlay.Daemon.Status;

/// <summary>Composes every registered <see cref="IStatusSection"/> into the status object, in registration order.</summary>
public sealed class StatusDocument
{
    private readonly IReadOnlyList<IStatusSection> _sections;

    public StatusDocument(IEnumerable<IStatusSection> sections)
    {
        _sections = [.. sections];
        var duplicate = _sections.GroupBy(s => s.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"two status sections are named '{duplicate.Key}'");
        }
    }

    public IReadOnlyList<string> SectionNames => [.. _sections.Select(s => s.Name)];

    public void Write(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        foreach (IStatusSection section in _sections)
        {
            writer.WritePropertyName(section.Name);
            section.Write(writer);
        }

        writer.WriteEndObject();
    }
}
