using System.Text;
using System.Text.Json;
using Overlay.Daemon.Control;

namespace Overlay.Daemon.Tests.Control;

public sealed class ControlRequestHandlerTests
{
    private readonly ControlRequestHandler _handler = new([new EchoVerb(), new FailingVerb()]);

    [Fact]
    public void A_known_verb_gets_ok_and_its_payload_on_one_line()
    {
        string reply = Handle("{\"verb\":\"echo\",\"text\":\"hi\"}");

        Assert.EndsWith("\n", reply);
        Assert.Single(reply.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        using JsonDocument document = JsonDocument.Parse(reply);
        Assert.True(document.RootElement.GetProperty("ok").GetBoolean());
        Assert.Equal("hi", document.RootElement.GetProperty("echo").GetString());
    }

    [Theory]
    [InlineData("not json", "request is not valid JSON")]
    [InlineData("", "request is not valid JSON")]
    [InlineData("[1,2]", "request must be a JSON object")]
    [InlineData("{}", "request needs a string \"verb\"")]
    [InlineData("{\"verb\":7}", "request needs a string \"verb\"")]
    [InlineData("{\"verb\":\"launch\"}", "unknown verb 'launch' (known: echo, fail)")]
    [InlineData("{\"verb\":\"fail\"}", "not today")]
    [InlineData("{\"a\":[[[[[[[[[[1]]]]]]]]]]}", "request is not valid JSON")]
    public void Bad_requests_get_an_error_reply(string request, string expected)
    {
        using JsonDocument document = JsonDocument.Parse(Handle(request));

        Assert.False(document.RootElement.GetProperty("ok").GetBoolean());
        Assert.Contains(expected, document.RootElement.GetProperty("error").GetString());
    }

    private string Handle(string request) => Encoding.UTF8.GetString(_handler.Handle(Encoding.UTF8.GetBytes(request)));

    private sealed class EchoVerb : IControlVerb
    {
        public string Name => "echo";

        public void WriteReply(JsonElement request, Utf8JsonWriter reply) =>
            reply.WriteString("echo", request.GetProperty("text").GetString());
    }

    private sealed class FailingVerb : IControlVerb
    {
        public string Name => "fail";

        public void WriteReply(JsonElement request, Utf8JsonWriter reply) => throw new ControlRequestException("not today");
    }
}
