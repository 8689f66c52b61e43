using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using Overlay.DataPlane.Offload;

namespace Overlay.Benchmarks.DataPlane;

/// <summary>
/// The offload work an AF_PACKET port does for a guest, per wire-sized frame: cutting a 64 KiB TCP
/// TSO super-frame into 45 MSS segments with their checksums (what the guest's virtio "device" would
/// do), and merging 45 segments from the tunnel back into one GSO frame for the guest (GRO). Beside
/// them, the Internet checksum of one 1400-byte segment, the part of segmentation that touches every
/// byte. Allocated must read 0 B.
/// </summary>
[MemoryDiagnoser]
public class OffloadBenchmarks
{
    private const int Mss = 1448;
    private const int Segments = 45;
    private const int HeaderLength = 14 + 20 + 32;

    private readonly GsoSegmenter _segmenter = new();
    private readonly SegmentCoalescer _coalescer = new();
    private readonly byte[] _output = new byte[2048];
    private byte[] _superFrame = null!;
    private byte[][] _segments = null!;
    private VirtioNetHeader _header;

    [GlobalSetup]
    public void Setup()
    {
        int payload = Mss * Segments;
        _superFrame = new byte[HeaderLength + payload];
        Span<byte> f = _superFrame;
        f[..6].Fill(0x02);
        f[6..12].Fill(0x04);
        f[12] = 0x08;
        f[14] = 0x45;
        f[22] = 64;
        f[23] = 6;
        byte[] source = [10, 0, 1, 1];
        byte[] destination = [10, 0, 2, 1];
        source.CopyTo(f[26..]);
        destination.CopyTo(f[30..]);
        BinaryPrimitives.WriteUInt16BigEndian(f[16..], (ushort)(20 + 32 + payload)); // 65,212: fits the 16-bit field
        f[34 + 12] = 8 << 4;
        f[34 + 13] = 0x18; // ACK | PSH
        f[34 + 20] = 1;
        f[34 + 21] = 1;
        f[34 + 22] = 8;
        f[34 + 23] = 10;
        for (int i = HeaderLength; i < f.Length; i++)
        {
            f[i] = (byte)(i * 7);
        }

        _header = new VirtioNetHeader(VirtioNetHeader.FlagNeedsChecksum, VirtioNetHeader.GsoTcpV4, HeaderLength, Mss, 34, 16);
        _segments = new byte[Segments][];
        _segmenter.Begin(_header, _superFrame);
        for (int i = 0; i < Segments; i++)
        {
            _segmenter.TryNext(_superFrame, _output, out int length);
            _segments[i] = _output[..length];
        }
    }

    [Benchmark(OperationsPerInvoke = Segments)]
    public int SegmentTsoSuperFrame()
    {
        int bytes = 0;
        _segmenter.Begin(_header, _superFrame);
        while (_segmenter.HasNext)
        {
            _segmenter.TryNext(_superFrame, _output, out int length);
            bytes += length;
        }

        return bytes;
    }

    [Benchmark(OperationsPerInvoke = Segments)]
    public int CoalesceSegmentsForTheGuest()
    {
        for (int i = 0; i < Segments; i++)
        {
            _coalescer.TryAppend(_segments[i]);
        }

        return _coalescer.TakePending().Length;
    }

    [Benchmark]
    public uint ChecksumOf1400Bytes() => InternetChecksum.Sum(_superFrame.AsSpan(HeaderLength, 1400));
}
