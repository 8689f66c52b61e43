using System.Text.Json;
using Overlay.Ike.Sa;

namespace Overlay.Daemon.IkeHost;

/// <summary>How new IKE SAs' handshakes ended since start, by result and reason (what <c>tvd_ike_handshakes_total</c> exports).</summary>
public sealed partial class IkeStatusSection
{
    private void WriteHandshakes(Utf8JsonWriter writer)
    {
        writer.WriteStartArray("handshakes");
        foreach (HandshakeCount count in _runtime.Handshakes.Snapshot())
        {
            writer.WriteStartObject();
            writer.WriteString("result", count.Result);
            writer.WriteString("reason", count.Reason);
            writer.WriteNumber("count", count.Count);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }
}
