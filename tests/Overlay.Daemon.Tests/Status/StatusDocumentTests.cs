using System.Text;
using System.Text.Json;
using Overlay.Daemon.Status;

namespace Overlay.Daemon.Tests.Status;

public sealed class StatusDocumentTests
{
    [Fact]
    public void Each_section_becomes_one_property_in_registration_order()
    {
        var document = new StatusDocument([new FixedSection("daemon", 1), new FixedSection("ike", 2)]);

        Assert.Equal("{\"daemon\":{\"n\":1},\"ike\":{\"n\":2}}", Render(document));
        Assert.Equal(["daemon", "ike"], document.SectionNames);
    }

    [Fact]
    public void Two_sections_with_one_name_are_a_wiring_error()
    {
        var e = Assert.Throws<InvalidOperationException>(() => new StatusDocument([new FixedSection("policy", 1), new FixedSection("policy", 2)]));
        Assert.Contains("'policy'", e.Message);
    }

    private static string Render(StatusDocument document)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            document.Write(writer);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private sealed class FixedSection(string name, int n) : IStatusSection
    {
        public string Name => name;

        public void Write(Utf8JsonWriter writer)
        {
            writer.WriteStartObject();
            writer.WriteNumber("n", n);
            writer.WriteEndObject();
        }
    }
}
