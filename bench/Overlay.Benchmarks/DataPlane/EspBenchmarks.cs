using System.Net;
using BenchmarkDotNet.Attributes;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Sa;

namespace Overlay.Benchmarks.DataPlane;

/// <summary>
/// Per-packet cost of ESP with AES-GCM on a 1400-byte payload (one core, one SA pair).
/// Peer anchor (same machine): raw .NET AesGcm 1400 B ≈ 0.86 Mpps ≈ 1.16 µs/packet
/// (shared/reference/anchors/RESULTS.md §1). Seal is one AES-GCM encryption plus framing;
/// SealOpen is a full round trip (two AES-GCM operations). The SA drives OpenSSL's EVP interface
/// directly (Esp/Crypto); the raw .NET AesGcm rows, measured in the same run, are the baseline.
/// </summary>
[MemoryDiagnoser]
public class EspBenchmarks
{
    private const int PayloadLength = 1400;
    private EspSa _outbound = null!;
    private EspSa _inbound = null!;
    private byte[] _payload = null!;
    private byte[] _packet = null!;
    private byte[] _inner = null!;
    private byte[] _forged = null!;
    private System.Security.Cryptography.AesGcm _raw = null!;
    private byte[] _nonce = null!;
    private byte[] _aad = null!;
    private byte[] _tag = null!;

    [Params(EspCipher.AesGcm128, EspCipher.AesGcm256)]
    public EspCipher Cipher { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var key = new byte[Cipher.KeySize() + EspConstants.GcmSaltSize];
        new Random(4106).NextBytes(key);
        var peer = new IPEndPoint(IPAddress.Loopback, 4500);
        _outbound = EspSa.Create(new SaDescriptor(peer, 10, "red", SaDirection.Outbound, 0x1000, Cipher, key));
        _inbound = EspSa.Create(new SaDescriptor(peer, 10, "red", SaDirection.Inbound, 0x1000, Cipher, key));
        _payload = new byte[PayloadLength];
        _packet = new byte[EspSa.GetSealedLength(PayloadLength)];
        _inner = new byte[_packet.Length];

        // The anchor's measurement, repeated in this run: one AesGcm.Encrypt of 1400 B, 8-byte AAD.
        _raw = new System.Security.Cryptography.AesGcm(key.AsSpan(0, Cipher.KeySize()), EspConstants.GcmIcvSize);
        _nonce = new byte[EspConstants.GcmNonceSize];
        _aad = new byte[EspConstants.AadSize];
        _tag = new byte[EspConstants.GcmIcvSize];

        // A packet far ahead of the window with a broken ICV: every open attempt reaches AES-GCM.
        using EspSa forger = EspSa.Create(new SaDescriptor(peer, 10, "red", SaDirection.Outbound, 0x1000, Cipher, key));
        _forged = new byte[_packet.Length];
        forger.TrySeal(_payload, EspConstants.NextHeaderEtherIp, _forged, out _);
        _forged[^1] ^= 1;
        _forged[7] = 0xff; // sequence 255, never marked because it never authenticates
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _outbound.Dispose();
        _inbound.Dispose();
        _raw.Dispose();
    }

    /// <summary>Peer measured in the same run: raw AesGcm, as in shared/reference/anchors/aesbench.</summary>
    [Benchmark(Baseline = true)]
    public byte RawAesGcmEncrypt()
    {
        _nonce[^1]++;
        _raw.Encrypt(_nonce, _payload, _packet.AsSpan(0, PayloadLength), _tag, _aad);
        return _tag[0];
    }

    [Benchmark]
    public int Seal()
    {
        _outbound.TrySeal(_payload, EspConstants.NextHeaderEtherIp, _packet, out int written);
        return written;
    }

    [Benchmark]
    public int SealOpen()
    {
        _outbound.TrySeal(_payload, EspConstants.NextHeaderEtherIp, _packet, out int written);
        _inbound.TryOpen(_packet.AsSpan(0, written), _inner, out int innerLength, out _);
        return innerLength;
    }

    /// <summary>A forged 1400-byte packet: the bad tag is a result (AuthFailed), so this must allocate 0 B.</summary>
    [Benchmark]
    public EspOpenResult OpenForgedIcv() => _inbound.TryOpen(_forged, _inner, out _, out _);

    /// <summary>The same forgery through .NET's AesGcm, which reports it only by exception (what the SA did before).</summary>
    [Benchmark]
    public bool RawAesGcmDecryptForged()
    {
        ReadOnlySpan<byte> ciphertext = _forged.AsSpan(EspConstants.PayloadOffset, _forged.Length - EspConstants.PayloadOffset - EspConstants.GcmIcvSize);
        try
        {
            _raw.Decrypt(_nonce, ciphertext, _forged.AsSpan(_forged.Length - EspConstants.GcmIcvSize), _inner.AsSpan(0, ciphertext.Length), _aad);
            return true;
        }
        catch (System.Security.Cryptography.AuthenticationTagMismatchException)
        {
            return false;
        }
    }
}
