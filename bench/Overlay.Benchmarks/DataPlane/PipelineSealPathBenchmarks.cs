using System.Net;
using BenchmarkDotNet.Attributes;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Forwarding;
using Overlay.DataPlane.Frames;
using Overlay.DataPlane.Io;
using Overlay.DataPlane.Sa;

namespace Overlay.Benchmarks.DataPlane;

/// <summary>
/// The pipeline's seal path for one batch of 128 guest frames of 1400 bytes, step for step as a port
/// loop runs it (Pipeline.UnderlaySend, stages 4–5): SA lookup by (peer, TVD), 802.1Q + EtherIP + ESP
/// AES-GCM seal straight from the receive slot into the loop's send batch slot, set the destination.
/// Reported per packet (OperationsPerInvoke): the Allocated column must read 0 B (CONVENTIONS 13).
/// </summary>
[MemoryDiagnoser]
public class PipelineSealPathBenchmarks
{
    private const int Frames = Pipeline.BatchSize;
    private static readonly IPEndPoint Peer = new(IPAddress.Parse("10.200.0.2"), 4500);
    private readonly PipelineOptions _options = new();
    private MessageBatch _batch = null!;
    private SaTable _sas = null!;
    private byte[] _frame = null!;
    private UdpAddress _destination;

    [GlobalSetup]
    public void Setup()
    {
        _batch = new MessageBatch(_options.BatchSize, _options.BufferSize);
        _sas = new SaTable();
        var key = new byte[20];
        new Random(4303).NextBytes(key);
        _sas.Install(new SaDescriptor(Peer, 101, "tvd:red", SaDirection.Outbound, 0x1001, EspCipher.AesGcm128, key));
        _frame = new byte[EthernetFrame.HeaderLength + 1386];
        new MacAddress(0x0200_0000_000b).Write(_frame);
        new MacAddress(0x0200_0000_000a).Write(_frame.AsSpan(6));
        _frame[12] = 0x08; // IPv4
        _destination = UdpAddress.From(Peer);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _batch.Dispose();
        _sas.Dispose();
    }

    [Benchmark(OperationsPerInvoke = Frames)]
    public int SealBatch()
    {
        int ready = 0;
        for (int i = 0; i < Frames; i++)
        {
            if (_sas.TryGetOutbound(Peer, 101, out EspSa sa)
                && EtherIpTunnel.Encapsulate(sa, _frame, _batch[ready].Data, out int written, _options.Mtu) == Overlay.DataPlane.Counters.DropReason.None)
            {
                _batch[ready].Length = written;
                _batch.SetAddress(ready, _destination);
                ready++;
            }
        }

        return ready;
    }
}
