using BenchmarkDotNet.Attributes;
using Overlay.DataPlane.Frames;
using Overlay.DataPlane.Switching;

namespace Overlay.Benchmarks.DataPlane;

/// <summary>One forwarding decision (learn source + look up destination) in a TVD with 1000 learned MACs.</summary>
[MemoryDiagnoser]
public class TvdSwitchBenchmarks
{
    private readonly SwitchEndpoint[] _targets = new SwitchEndpoint[64];
    private TvdSwitch _switch = null!;
    private byte[] _unicast = null!;
    private byte[] _broadcast = null!;

    [GlobalSetup]
    public void Setup()
    {
        _switch = new TvdSwitch();
        for (int port = 1; port <= 8; port++)
        {
            _switch.AttachPort(port, 10, "red");
        }

        for (int tunnel = 100; tunnel < 104; tunnel++)
        {
            _switch.AttachTunnel(tunnel, 10, "red");
        }

        for (ulong i = 0; i < 1000; i++)
        {
            _switch.Decide(SwitchEndpoint.Local((int)(i % 8) + 1), Frame(MacAddress.Broadcast, new MacAddress(0x0200_0000_0000 + i)), _targets);
        }

        _unicast = Frame(new MacAddress(0x0200_0000_0002), new MacAddress(0x0200_0000_0001));
        _broadcast = Frame(MacAddress.Broadcast, new MacAddress(0x0200_0000_0001));
    }

    [Benchmark]
    public int KnownUnicast() => _switch.Decide(SwitchEndpoint.Local(2), _unicast, _targets).Count;

    [Benchmark]
    public int Broadcast() => _switch.Decide(SwitchEndpoint.Local(2), _broadcast, _targets).Count;

    private static byte[] Frame(MacAddress destination, MacAddress source)
    {
        var frame = new byte[64];
        destination.Write(frame);
        source.Write(frame.AsSpan(6));
        return frame;
    }
}
