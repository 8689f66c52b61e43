using BenchmarkDotNet.Attributes;
using Overlay.Ike;
using Overlay.Ike.Crypto;
using Overlay.Ike.Encoding;
using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Encoding.Payloads;

namespace Overlay.Benchmarks.Ike;

/// <summary>
/// IKE control-plane costs per handshake: parsing and writing an IKE_SA_INIT shaped like
/// strongSwan's (MODP-2048 KE, 32-octet nonce, five notifies), deriving the seven IKE SA keys,
/// and protecting/opening an IKE_AUTH-sized SK payload with AES-GCM-16.
/// </summary>
[MemoryDiagnoser]
public class IkeCodecBenchmarks
{
    private byte[] _init = null!;
    private IkeMessage _initMessage = null!;
    private IkeCipherSuite _suite = null!;
    private IkeMessageProtector _initiator = null!;
    private IkeMessageProtector _responder = null!;
    private IIkePayload[] _authPayloads = null!;
    private byte[] _authWire = null!;
    private IkeMessage _authMessage = null!;

    [GlobalSetup]
    public void Setup()
    {
        var header = new IkeHeader(0x1122334455667788, 0, IkePayloadType.NoNextPayload, IkeExchangeType.IkeSaInit, IkeHeaderFlags.Initiator, 0, 0);
        _initMessage = new IkeMessage(header,
        [
            new SecurityAssociationPayload([new Proposal(1, IkeProtocolId.Ike, [], [
                new Transform(TransformType.Encryption, (ushort)EncryptionAlgorithm.AesCbc, [TransformAttribute.KeyLength(128)]),
                new Transform(TransformType.Integrity, (ushort)IntegrityAlgorithm.HmacSha2_256_128),
                new Transform(TransformType.Prf, (ushort)PrfAlgorithm.HmacSha2_256),
                new Transform(TransformType.KeyExchange, (ushort)KeyExchangeMethod.Modp2048)])]),
            new KeyExchangePayload(KeyExchangeMethod.Modp2048, new byte[256]),
            new NoncePayload(new byte[32]),
            new NotifyPayload(NotifyType.NatDetectionSourceIp, new byte[20]),
            new NotifyPayload(NotifyType.NatDetectionDestinationIp, new byte[20]),
            new NotifyPayload(NotifyType.Ikev2FragmentationSupported),
            new NotifyPayload(NotifyType.SignatureHashAlgorithms, [0, 2, 0, 3, 0, 4, 0, 5]),
            new NotifyPayload(NotifyType.RedirectSupported),
        ]);
        _init = _initMessage.ToArray();

        _suite = new IkeCipherSuite(EncryptionAlgorithm.AesGcm16, 256, IkePrf.HmacSha384, IntegrityAlgorithm.None, KeyExchangeMethod.Ecp256);
        var keys = DeriveKeys();
        _initiator = new IkeMessageProtector(_suite, keys, true, SystemIkeRandom.Instance);
        _responder = new IkeMessageProtector(_suite, keys, false, SystemIkeRandom.Instance);
        _authPayloads =
        [
            IdentificationPayload.Fqdn(true, "hostA"),
            new AuthenticationPayload(AuthMethod.SharedKeyMessageIntegrityCode, new byte[48]),
            new TrafficSelectorPayload(true, [SecurityLabelSelector.FromText("tvd:red")]),
            new TrafficSelectorPayload(false, [SecurityLabelSelector.FromText("tvd:red")]),
        ];
        _authWire = _initiator.Protect(header with { ExchangeType = IkeExchangeType.IkeAuth, MessageId = 1 }, _authPayloads);
        IkeMessage.TryParse(_authWire, out _authMessage, out _);
    }

    [Benchmark]
    public bool ParseIkeSaInit() => IkeMessage.TryParse(_init, out _, out _);

    [Benchmark]
    public byte[] WriteIkeSaInit() => _initMessage.ToArray();

    [Benchmark]
    public IkeKeyMaterial DeriveKeys()
    {
        var ni = new byte[32];
        var nr = new byte[32];
        var skeyseed = IkeKeyMaterial.ComputeSkeyseed(_suite.Prf, ni, nr, new byte[32]);
        return IkeKeyMaterial.Derive(_suite, skeyseed, ni, nr, 1, 2);
    }

    [Benchmark]
    public byte[] ProtectIkeAuth() => _initiator.Protect(_authMessage.Header, _authPayloads);

    [Benchmark]
    public bool OpenIkeAuth() => _responder.TryUnprotect(_authWire, _authMessage, out _, out _);
}
