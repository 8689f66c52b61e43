using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Overlay.Common.Capture;
using Overlay.Daemon.Control;
using Overlay.Daemon.DataPlaneHost;
using Overlay.DataPlane.Forwarding;
using Overlay.DataPlane.Io;
using Overlay.DataPlane.Sa;
using Overlay.DataPlane.Switching;

namespace Overlay.Daemon.Tests.DataPlaneHost;

/// <summary>
/// The capture verb through the control handler, on a running pipeline with ports h1red (red), h1blu (blue) and a red
/// tunnel to h2 (its sockets are stand-ins that never receive): every request property checked before anything is
/// tapped, the bound on concurrent captures, and a capture streamed over a real Unix socket pair until its count or
/// the client leaving, with the tap gone afterwards.
/// </summary>
public sealed class CaptureVerbTests : IAsyncLifetime
{
    private static readonly byte[] Broadcast = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];

    private readonly DataPlaneRuntime _runtime = new();
    private readonly CaptureVerb _verb;
    private readonly ControlRequestHandler _handler;
    private Pipeline _pipeline = null!;
    private GuestPort _red = null!;
    private GuestPort _blue = null!;

    public CaptureVerbTests()
    {
        _verb = new CaptureVerb(_runtime, TimeProvider.System, NullLogger<CaptureVerb>.Instance);
        _handler = new ControlRequestHandler([], [_verb]);
    }

    public Task InitializeAsync()
    {
        _pipeline = new Pipeline(new IdleUnderlay(), new SaTable());
        _red = _pipeline.AttachPort("h1red", new IdlePort("veth-red"), 101, "tvd:red");
        _blue = _pipeline.AttachPort("h1blu", new IdlePort("veth-blu"), 102, "tvd:blue");
        _pipeline.AddTunnel("h2", new IPEndPoint(IPAddress.Parse("10.200.0.2"), 4500), 101, "tvd:red");
        _pipeline.Start();
        _runtime.Pipeline = _pipeline;
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => _pipeline.StopAsync();

    [Theory]
    [InlineData("""{"verb":"capture"}""", "capture needs \"tvd\"")]
    [InlineData("""{"verb":"capture","tvd":"green"}""", "TVD 'green' has no port or tunnel on this host (TVDs here: blue, red)")]
    [InlineData("""{"verb":"capture","tvd":"red","colour":"blue"}""", "unknown property \"colour\"")]
    [InlineData("""{"verb":"capture","tvd":"red","port":"h1red","peer":"h2"}""", "give \"port\" or \"peer\", not both")]
    [InlineData("""{"verb":"capture","tvd":"red","port":"h1blu"}""", "port 'h1blu' is on tvd:blue, not tvd:red")]
    [InlineData("""{"verb":"capture","tvd":"red","port":"nope"}""", "no attached port 'nope' (ports of tvd:red: h1red)")]
    [InlineData("""{"verb":"capture","tvd":"blue","peer":"h2"}""", "no tunnel to peer 'h2' carries tvd:blue (peers of tvd:blue: none)")]
    [InlineData("""{"verb":"capture","tvd":"red","count":"0"}""", "\"count\" must be a whole number in 1..2147483647")]
    [InlineData("""{"verb":"capture","tvd":"red","count":"-3"}""", "\"count\" must be a whole number")]
    [InlineData("""{"verb":"capture","tvd":"red","count":1.5}""", "\"count\" must be a whole number")]
    [InlineData("""{"verb":"capture","tvd":"red","seconds":"86401"}""", "\"seconds\" must be a whole number in 1..86400")]
    [InlineData("""{"verb":"capture","tvd":"red","snaplen":"20"}""", "\"snaplen\" must be a whole number in 64..1514")]
    [InlineData("""{"verb":"capture","tvd":7}""", "\"tvd\" must be a non-empty string")]
    public void Bad_requests_are_refused_with_the_reason_and_nothing_is_tapped(string request, string expected)
    {
        Assert.Null(_handler.OpenStream(Encoding.UTF8.GetBytes(request), out byte[]? refusal));
        using JsonDocument reply = JsonDocument.Parse(refusal!);
        Assert.False(reply.RootElement.GetProperty("ok").GetBoolean());
        Assert.Contains(expected, reply.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, _verb.Running);
    }

    [Fact]
    public void Without_a_running_data_plane_there_is_nothing_to_capture()
    {
        var handler = new ControlRequestHandler([], [new CaptureVerb(new DataPlaneRuntime(), TimeProvider.System, NullLogger<CaptureVerb>.Instance)]);
        Assert.Null(handler.OpenStream("""{"verb":"capture","tvd":"red"}"""u8.ToArray(), out byte[]? refusal));
        Assert.Contains("the data plane is not running", Encoding.UTF8.GetString(refusal!), StringComparison.Ordinal);
    }

    [Fact]
    public void Other_verbs_are_not_streams_and_the_capture_verb_is_listed()
    {
        Assert.Null(_handler.OpenStream("""{"verb":"status"}"""u8.ToArray(), out byte[]? refusal));
        Assert.Null(refusal);
        Assert.Contains("capture", _handler.Verbs);
    }

    [Fact]
    public async Task At_most_four_captures_run_at_once()
    {
        var streams = new List<IControlStream>();
        for (int i = 0; i < CaptureVerb.MaxConcurrentCaptures; i++)
        {
            streams.Add(_handler.OpenStream("""{"verb":"capture","tvd":"red"}"""u8.ToArray(), out _)!);
        }

        Assert.Null(_handler.OpenStream("""{"verb":"capture","tvd":"red"}"""u8.ToArray(), out byte[]? refusal));
        Assert.Contains("4 captures are already running", Encoding.UTF8.GetString(refusal!), StringComparison.Ordinal);

        // One ends (its client left at once): the slot is free again.
        (Socket server, Socket client) = await ConnectedPairAsync();
        using (server)
        using (client)
        {
            client.Shutdown(SocketShutdown.Both);
            await streams[0].RunAsync(server, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
        }

        Assert.Equal(CaptureVerb.MaxConcurrentCaptures - 1, _verb.Running);
        Assert.NotNull(_handler.OpenStream("""{"verb":"capture","tvd":"red"}"""u8.ToArray(), out _));
    }

    [Fact]
    public async Task A_capture_streams_its_TVD_frames_until_its_count_and_leaves_no_tap()
    {
        IControlStream stream = _handler.OpenStream("""{"verb":"capture","tvd":"red","port":"h1red","count":"3"}"""u8.ToArray(), out _)!;
        (Socket server, Socket client) = await ConnectedPairAsync();
        using (server)
        using (client)
        {
            Task run = stream.RunAsync(server, CancellationToken.None);
            var lines = new LineReader(client);
            using (JsonDocument header = JsonDocument.Parse(await lines.NextAsync()))
            {
                JsonElement capture = header.RootElement.GetProperty("capture");
                Assert.Equal(("tvd:red", 101, "port h1red", 1514), (capture.GetProperty("tvd").GetString(), capture.GetProperty("vlan").GetInt32(),
                    capture.GetProperty("filter").GetString(), capture.GetProperty("snaplen").GetInt32()));
                Assert.Equal(CaptureRecordHeader.Format, capture.GetProperty("records").GetString());
            }

            await WaitForTapAsync(101);
            SwitchEndpoint[] targets = new SwitchEndpoint[8];
            for (int i = 0; i < 5; i++)
            {
                _pipeline.Switch.Decide(SwitchEndpoint.Local(_blue.Id), Frame(0xb1, i), targets); // blue: never in this capture
                _pipeline.Switch.Decide(SwitchEndpoint.Local(_red.Id), Frame(0xa1, i), targets);
            }

            // Records (docs/cli.md): each endpoint's name before the first frame that refers to it, then the frames.
            var names = new Dictionary<CaptureEndpointRef, string>();
            for (int i = 0; i < 3; i++)
            {
                (CaptureRecordType type, byte[] body) = await lines.NextRecordAsync();
                while (type == CaptureRecordType.EndpointName)
                {
                    Assert.True(CaptureEndpointName.TryParse(body, out CaptureEndpointName name));
                    names[name.Endpoint] = name.Name;
                    (type, body) = await lines.NextRecordAsync();
                }

                Assert.Equal(CaptureRecordType.Frame, type);
                Assert.True(CaptureFrameHeader.TryParse(body, out CaptureFrameHeader frame));
                Assert.Equal((CaptureEndpointKind.Port, "h1red"), (frame.Ingress.Kind, names[frame.Ingress]));
                Assert.Equal((CaptureEndpointKind.Peer, "h2"), (frame.Egress.Kind, names[frame.Egress]));
                Assert.Equal(Frame(0xa1, i), body[CaptureFrameHeader.Length..]);
                Assert.Equal((60, 1), (frame.OriginalLength, frame.Targets));
                Assert.InRange(frame.Time, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
            }

            Assert.Equal(2, names.Count); // each name told once
            (CaptureRecordType last, byte[] json) = await lines.NextRecordAsync();
            Assert.Equal(CaptureRecordType.Summary, last);
            using JsonDocument summary = JsonDocument.Parse(json);
            JsonElement s = summary.RootElement.GetProperty("summary");
            Assert.Equal((3L, 0L, "count"), (s.GetProperty("frames").GetInt64(), s.GetProperty("dropped").GetInt64(), s.GetProperty("ended").GetString()));
            await run.WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
        }

        Assert.False(_pipeline.Switch.TryGetSegment(101, out TvdSegment red) && HasTaps(red));
        Assert.Equal(0, _verb.Running);
    }

    [Fact]
    public async Task A_client_that_goes_away_ends_its_capture_and_its_tap()
    {
        IControlStream stream = _handler.OpenStream("""{"verb":"capture","tvd":"red"}"""u8.ToArray(), out _)!;
        (Socket server, Socket client) = await ConnectedPairAsync();
        using (server)
        {
            Task run = stream.RunAsync(server, CancellationToken.None);
            await WaitForTapAsync(101);
            client.Dispose(); // as when tvdctl is killed
            await run.WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
        }

        Assert.True(_pipeline.Switch.TryGetSegment(101, out TvdSegment red));
        Assert.False(HasTaps(red));
        Assert.Equal(0, _verb.Running);
    }

    private static bool HasTaps(TvdSegment segment) => segment.Captures > 0;

    private async Task WaitForTapAsync(ushort vlan)
    {
        for (int i = 0; i < 200 && !(_pipeline.Switch.TryGetSegment(vlan, out TvdSegment s) && HasTaps(s)); i++)
        {
            await Task.Delay(10, CancellationToken.None);
        }
    }

    private static byte[] Frame(byte source, int index)
    {
        byte[] frame = new byte[60];
        Broadcast.CopyTo(frame, 0);
        frame[6] = 0x02;
        frame[11] = source;
        frame[12] = 0x08;
        frame[20] = (byte)index;
        return frame;
    }

    private static async Task<(Socket Server, Socket Client)> ConnectedPairAsync()
    {
        string path = Path.Combine(Path.GetTempPath(), $"capture-test-{Guid.NewGuid():N}.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await client.ConnectAsync(new UnixDomainSocketEndPoint(path));
        Socket server = await listener.AcceptAsync();
        File.Delete(path);
        return (server, client);
    }

    /// <summary>The capture stream as a test reads it: the header line, then records.</summary>
    private sealed class LineReader(Socket socket)
    {
        private readonly List<byte> _pending = [];

        public async Task<byte[]> NextAsync()
        {
            int newline;
            while ((newline = _pending.IndexOf((byte)'\n')) < 0)
            {
                await ReceiveAsync();
            }

            byte[] line = [.. _pending.Take(newline)];
            _pending.RemoveRange(0, newline + 1);
            return line;
        }

        public async Task<(CaptureRecordType Type, byte[] Body)> NextRecordAsync()
        {
            CaptureRecordHeader header;
            while (!CaptureRecordHeader.TryParse([.. _pending], out header))
            {
                Assert.True(_pending.Count < CaptureRecordHeader.Length, "a record header not as documented");
                await ReceiveAsync();
            }

            while (_pending.Count < CaptureRecordHeader.Length + header.BodyLength)
            {
                await ReceiveAsync();
            }

            byte[] body = [.. _pending.Skip(CaptureRecordHeader.Length).Take(header.BodyLength)];
            _pending.RemoveRange(0, CaptureRecordHeader.Length + header.BodyLength);
            return (header.Type, body);
        }

        private async Task ReceiveAsync()
        {
            byte[] chunk = new byte[4096];
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            int read = await socket.ReceiveAsync(chunk, SocketFlags.None, deadline.Token);
            Assert.True(read > 0, "the stream ended before the line or record");
            _pending.AddRange(chunk.AsSpan(0, read).ToArray());
        }
    }

    private sealed class IdleUnderlay : IUnderlayIo
    {
        public UdpAddress Local => UdpAddress.From(new IPEndPoint(IPAddress.Parse("10.200.0.1"), 4500));

        public int Receive(MessageBatch batch)
        {
            Thread.Sleep(20);
            return 0;
        }

        public int Send(MessageBatch batch, int start, int count) => count;

        public void Dispose()
        {
        }
    }

    private sealed class IdlePort(string name) : IGuestPortIo
    {
        public string Interface => name;

        public int Receive(MessageBatch batch)
        {
            Thread.Sleep(20);
            return 0;
        }

        public int Send(ReadOnlySpan<byte> frame) => frame.Length;

        public void Dispose()
        {
        }
    }
}
