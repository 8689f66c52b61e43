using System.Buffers;
using System.Net.Sockets;
using System.Numerics;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Overlay.Common.Capture;
using Overlay.Daemon.Control;
using Overlay.Daemon.Hosting;
using Overlay.DataPlane.Capture;
using Overlay.DataPlane.Forwarding;
using Overlay.DataPlane.Switching;

namespace Overlay.Daemon.DataPlaneHost;

/// <summary>
/// One running <c>tvdctl capture</c>: a <see cref="CaptureTap"/> on the TVD's switch segment and the connection it
/// streams to. The forwarding threads only ever write into the tap's ring (never wait, never allocate); this side,
/// a thread of its own at nice <see cref="CaptureNice"/>, wakes every <see cref="DrainInterval"/>, takes at most
/// <see cref="MaxFramesPerDrain"/> frames and sends them as binary records (docs/cli.md). So a capture delivers at most
/// <c>MaxFramesPerDrain / DrainInterval</c> frames a second, and whatever the ring cannot hold meanwhile is dropped
/// and counted. It ends on its count, its seconds, the client closing (or sending
/// anything), or the daemon stopping; the tap is removed on every path, so a killed tvdctl leaves nothing behind.
/// </summary>
internal sealed class CaptureStream : IControlStream
{
    public static readonly TimeSpan DrainInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Frames sent to the client per <see cref="DrainInterval"/>: a capture delivers at most 12,800 frames a second, which
    /// bounds the CPU its records and its client take under a full-rate flow; the ring drops (and counts) the rest.
    /// </summary>
    public const int MaxFramesPerDrain = 256;

    /// <summary>
    /// Nice value of the thread that drains the ring and writes to the client, the lowest there is: CFS gives it
    /// about 1.5 % of a nice-0 thread's share under contention (weight 15 against 1024), so the forwarding threads win
    /// and the capture drops frames, counted, instead of the other way round. Unlike SCHED_IDLE it still progresses on
    /// a host whose cores are never idle (guests under TCG), which is when an operator needs a capture most.
    /// </summary>
    public const int CaptureNice = 19;

    /// <summary>Bytes of one capture's ring; its slot count is the largest power of two that fits (64..1024 slots).</summary>
    public const int RingBytes = 2 * 1024 * 1024;

    /// <summary>Names remembered as told to the client; a stream whose endpoints churn past this starts telling afresh.</summary>
    private const int MaxToldNames = 4096;

    private static readonly JsonWriterOptions WriteOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly Pipeline _pipeline;
    private readonly ushort _vlan;
    private readonly string _label;
    private readonly string? _filter;
    private readonly CaptureLimits _limits;
    private readonly TimeProvider _time;
    private readonly Action _ended;
    private readonly ILogger _logger;
    private readonly CaptureTap _tap;
    private readonly HashSet<SwitchEndpoint> _looked = [];
    private readonly Dictionary<SwitchEndpoint, string> _told = [];

    public CaptureStream(Pipeline pipeline, ushort vlan, string label, string? filter, SwitchEndpoint? only, CaptureLimits limits,
        TimeProvider time, ILogger logger, Action ended)
    {
        _logger = logger;
        _pipeline = pipeline;
        _vlan = vlan;
        _label = label;
        _filter = filter;
        _limits = limits;
        _time = time;
        _ended = ended;
        _tap = new CaptureTap(new CaptureRing(SlotsFor(limits.SnapLength), limits.SnapLength), only);
    }

    public static int SlotsFor(int snapLength) => Math.Clamp(1 << BitOperations.Log2((uint)(RingBytes / snapLength)), 64, 1024);

    /// <summary>Runs the capture on a thread of its own at <see cref="CaptureNice"/>; the task completes when it ended.</summary>
    public Task RunAsync(Socket client, CancellationToken stopping)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                WorkerThreads.LowerCurrent(CaptureNice);
                Run(client, stopping);
                done.TrySetResult();
            }
            catch (Exception e)
            {
                done.TrySetException(e);
            }
        })
        {
            IsBackground = true,
            Name = $"tvd capture {_label}",
        };
        thread.Start();
        return done.Task;
    }

    private void Run(Socket client, CancellationToken stopping)
    {
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        long delivered = 0;
        string ended = "client";
        long started = _time.GetTimestamp();
        client.SendTimeout = (int)ControlConnection.Timeout.TotalMilliseconds; // a client that stops reading ends its capture
        try
        {
            WriteHeader(buffer);
            client.Send(buffer.WrittenSpan);
            if (!_pipeline.Switch.AddTap(_vlan, _tap))
            {
                throw new InvalidOperationException($"the switch has no segment for vlan {_vlan}");
            }

            DataPlaneLog.CaptureStarted(_logger, _label, _filter ?? "every frame", _limits.SnapLength, _tap.Ring.Capacity);
            byte[] scratch = new byte[_tap.Ring.SnapLength];
            while (true)
            {
                buffer.ResetWrittenCount();
                delivered += Drain(buffer, scratch, delivered);
                if (buffer.WrittenCount > 0)
                {
                    client.Send(buffer.WrittenSpan);
                }

                if (EndReason(delivered, started, client, stopping) is { } reason)
                {
                    ended = reason;
                    break;
                }

                stopping.WaitHandle.WaitOne(DrainInterval);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            ended = stopping.IsCancellationRequested ? "daemon stopping" : "client";
        }
        finally
        {
            _pipeline.Switch.RemoveTap(_vlan, _tap);
            _ended();
        }

        DataPlaneLog.CaptureEnded(_logger, _label, ended, delivered, _tap.Ring.Dropped);
        SendSummary(client, buffer, delivered, ended, _time.GetElapsedTime(started));
    }

    private string? EndReason(long delivered, long started, Socket client, CancellationToken stopping)
    {
        if (_limits.Count is { } count && delivered >= count)
        {
            return "count";
        }

        if (_limits.Seconds is { } seconds && _time.GetElapsedTime(started) >= TimeSpan.FromSeconds(seconds))
        {
            return "seconds";
        }

        // Readable means the client closed its side or sent something: either way it wants the capture to end.
        return stopping.IsCancellationRequested ? "daemon stopping" : client.Poll(0, SelectMode.SelectRead) ? "client" : null;
    }

    /// <summary>At most <see cref="MaxFramesPerDrain"/> frames (and no more than the count still wants) as records.</summary>
    private int Drain(ArrayBufferWriter<byte> buffer, byte[] scratch, long delivered)
    {
        long wanted = _limits.Count is { } count ? count - delivered : long.MaxValue;
        int taken = 0;
        _looked.Clear(); // port ids can be reused after a detach: names are looked up afresh each round
        while (taken < MaxFramesPerDrain && taken < wanted && _tap.Ring.TryRead(scratch, out CapturedFrame frame))
        {
            CaptureEndpointRef ingress = NameFirst(buffer, frame.Ingress);
            CaptureEndpointRef egress = NameFirst(buffer, frame.Egress);
            int body = CaptureFrameHeader.Length + frame.CapturedLength;
            Span<byte> record = buffer.GetSpan(CaptureRecordHeader.Length + body);
            new CaptureRecordHeader(CaptureRecordType.Frame, body).Write(record);
            new CaptureFrameHeader(CaptureFrameHeader.UnixNanosecondsOf(frame.TimestampTicks), ingress, egress, frame.Targets, frame.OriginalLength)
                .Write(record[CaptureRecordHeader.Length..]);
            scratch.AsSpan(0, frame.CapturedLength).CopyTo(record[(CaptureRecordHeader.Length + CaptureFrameHeader.Length)..]);
            buffer.Advance(CaptureRecordHeader.Length + body);
            taken++;
        }

        return taken;
    }

    /// <summary>
    /// The endpoint as frame records refer to it; when the client has not been told its current name, an
    /// endpoint-name record goes into the stream first.
    /// </summary>
    private CaptureEndpointRef NameFirst(ArrayBufferWriter<byte> buffer, SwitchEndpoint endpoint)
    {
        var reference = new CaptureEndpointRef(endpoint.IsLocal ? CaptureEndpointKind.Port : CaptureEndpointKind.Peer, (uint)endpoint.Id);
        if (!_looked.Add(endpoint))
        {
            return reference;
        }

        string name = endpoint.IsLocal
            ? _pipeline.Ports.FirstOrDefault(p => p.Id == endpoint.Id && p.VlanId == _vlan)?.Name ?? $"#{endpoint.Id}"
            : _pipeline.Tunnels.FirstOrDefault(t => t.Id == endpoint.Id)?.PeerName ?? $"#{endpoint.Id}";
        if (_told.TryGetValue(endpoint, out string? told) && told == name)
        {
            return reference;
        }

        if (_told.Count >= MaxToldNames)
        {
            _told.Clear(); // ids churned past any configured size: telling names again costs a record each, nothing more
        }

        _told[endpoint] = name;
        var record = new CaptureEndpointName(reference, name);
        Span<byte> span = buffer.GetSpan(CaptureRecordHeader.Length + record.BodyLength);
        int body = record.Write(span[CaptureRecordHeader.Length..]);
        new CaptureRecordHeader(CaptureRecordType.EndpointName, body).Write(span);
        buffer.Advance(CaptureRecordHeader.Length + body);
        return reference;
    }

    private void WriteHeader(ArrayBufferWriter<byte> buffer)
    {
        using (var writer = new Utf8JsonWriter(buffer, WriteOptions))
        {
            writer.WriteStartObject();
            writer.WriteBoolean("ok", true);
            writer.WriteStartObject("capture");
            writer.WriteString("tvd", _label);
            writer.WriteNumber("vlan", _vlan);
            WriteFilter(writer);
            writer.WriteNumber("snaplen", _limits.SnapLength);
            writer.WriteString("linktype", "ethernet");
            writer.WriteString("records", CaptureRecordHeader.Format);
            writer.WriteNumber("ring_slots", _tap.Ring.Capacity);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        buffer.Write("\n"u8);
    }

    private void WriteFilter(Utf8JsonWriter writer)
    {
        if (_filter is null)
        {
            writer.WriteNull("filter");
        }
        else
        {
            writer.WriteString("filter", _filter);
        }
    }

    /// <summary>
    /// The last record: what was delivered, what the ring had to drop, and why it ended, as JSON text (best effort:
    /// the client may be gone).
    /// </summary>
    private void SendSummary(Socket client, ArrayBufferWriter<byte> buffer, long delivered, string ended, TimeSpan elapsed)
    {
        var json = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(json, WriteOptions))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("summary");
            writer.WriteString("tvd", _label);
            WriteFilter(writer);
            writer.WriteNumber("frames", delivered);
            writer.WriteNumber("dropped", _tap.Ring.Dropped);
            writer.WriteString("ended", ended);
            writer.WriteNumber("seconds", Math.Round(elapsed.TotalSeconds, 3));
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        buffer.ResetWrittenCount();
        new CaptureRecordHeader(CaptureRecordType.Summary, json.WrittenCount).Write(buffer.GetSpan(CaptureRecordHeader.Length));
        buffer.Advance(CaptureRecordHeader.Length);
        buffer.Write(json.WrittenSpan);
        try
        {
            client.Send(buffer.WrittenSpan);
            client.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The client left; the summary had nobody to go to.
        }
    }
}
