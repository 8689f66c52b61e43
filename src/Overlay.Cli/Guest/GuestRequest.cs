using System.Text.Json;
using Overlay.Cli.Control;

namespace Overlay.Cli.Guest;

/// <summary>One <c>guest</c> verb request; an error reply or an unreachable daemon is printed and becomes exit 2.</summary>
internal static class GuestRequest
{
    public static async Task<JsonDocument?> SendAsync(string socket, string action, string? name, CancellationToken cancellationToken)
    {
        var arguments = new Dictionary<string, string> { ["action"] = action };
        if (name is not null)
        {
            arguments["name"] = name;
        }

        try
        {
            return await ControlClient.RequestAsync(socket, "guest", cancellationToken, arguments);
        }
        catch (ControlClientException e)
        {
            Console.Error.WriteLine($"tvdctl: {e.Message}");
            return null;
        }
    }

    public static string Text(JsonElement element, string property) =>
        element.TryGetProperty(property, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "-";
}
