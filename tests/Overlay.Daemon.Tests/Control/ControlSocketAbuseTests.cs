using System.Text;
using System.Text.Json;
using Overlay.Daemon.Tests.Support;

namespace Overlay.Daemon.Tests.Control;

/// <summary>Bad clients against the real daemon: each gets an error reply, and the daemon keeps serving.</summary>
public sealed class ControlSocketAbuseTests
{
    [Fact]
    public async Task Bad_requests_get_error_replies_and_the_daemon_keeps_answering()
    {
        using var daemon = new DaemonProcess();
        await daemon.StartAndWaitReadyAsync();

        Assert.Contains("request is not valid JSON", ErrorOf(await ControlSocketClient.ExchangeAsync(daemon.SocketPath, "{{{\n")));
        Assert.Matches(@"^unknown verb 'shutdown' \(known: ([a-z-]+, )*status(, [a-z-]+)*\)$", ErrorOf(await ControlSocketClient.ExchangeAsync(daemon.SocketPath, "{\"verb\":\"shutdown\"}\n")));
        Assert.Contains("request line longer than", ErrorOf(await ControlSocketClient.ExchangeAsync(daemon.SocketPath, Encoding.UTF8.GetBytes(new string('x', 100_000)))));
        Assert.Contains("request is not valid JSON", ErrorOf(await ControlSocketClient.ExchangeAsync(daemon.SocketPath, [0xff, 0xfe, 0x00, (byte)'\n'])));

        JsonElement status = await ControlSocketClient.StatusAsync(daemon.SocketPath);
        Assert.Equal(daemon.Pid, status.GetProperty("daemon").GetProperty("pid").GetInt32());
    }

    [Fact]
    public async Task Many_concurrent_clients_are_all_answered_or_refused_never_crashing_the_daemon()
    {
        using var daemon = new DaemonProcess();
        await daemon.StartAndWaitReadyAsync();

        var clients = Enumerable.Range(0, 32).Select(async _ =>
        {
            try
            {
                return await ControlSocketClient.ExchangeAsync(daemon.SocketPath, "{\"verb\":\"status\"}\n");
            }
            catch (System.Net.Sockets.SocketException)
            {
                return "refused";
            }
        });
        string[] replies = await Task.WhenAll(clients);

        Assert.All(replies, r => Assert.True(r == "refused" || r == "" || r.StartsWith("{\"ok\":true", StringComparison.Ordinal), r));
        Assert.Contains(replies, r => r.StartsWith("{\"ok\":true", StringComparison.Ordinal));
        Assert.Equal(daemon.Pid, (await ControlSocketClient.StatusAsync(daemon.SocketPath)).GetProperty("daemon").GetProperty("pid").GetInt32());
    }

    private static string ErrorOf(string reply)
    {
        using JsonDocument document = JsonDocument.Parse(reply);
        Assert.False(document.RootElement.GetProperty("ok").GetBoolean(), reply);
        return document.RootElement.GetProperty("error").GetString()!;
    }
}
