using System.Security.Cryptography.X509Certificates;
using Overlay.Ike.Crypto;
using Overlay.Ike.Crypto.Certificates;
using Overlay.Ike.Encoding.Payloads;

namespace Overlay.Ike.Sa;

/// <summary>
/// What one IKE SA is allowed to negotiate: its proposals in preference order, who we are, who
/// the peer must be and the pre-shared key (RFC 7296 §2.15). Tunables, not RFC constants.
/// </summary>
/// <param name="LocalId">Sent as IDi/IDr.</param>
/// <param name="RemoteId">The identity the peer must prove; null accepts any identity that knows the PSK.</param>
/// <param name="PreSharedKey">The shared secret both AUTH payloads are computed with.</param>
/// <param name="IkeProposals">IKE suites in preference order; the first one's KE group goes into KEi.</param>
/// <param name="Children">CHILD_SA templates a responder may answer with (selectors and ESP suites), in preference order.</param>
/// <param name="AnnounceFragmentation">Send IKEV2_FRAGMENTATION_SUPPORTED (RFC 7383 §2.3).</param>
/// <param name="Lifetime">When to rekey and when to give up the IKE SA; null keeps it until deleted.</param>
public sealed record IkeSaConfig(
    IkeIdentity LocalId,
    IkeIdentity? RemoteId,
    byte[] PreSharedKey,
    IReadOnlyList<IkeCipherSuite> IkeProposals,
    IReadOnlyList<ChildSaConfig>? Children = null,
    bool AnnounceFragmentation = true,
    SaLifetime? Lifetime = null)
{
    /// <summary>How long to wait before retrying an exchange the peer answered with TEMPORARY_FAILURE (RFC 7296 §2.25: not at once).</summary>
    public TimeSpan TemporaryFailureRetry { get; init; } = TimeSpan.FromSeconds(10);

    public IReadOnlyList<ChildSaConfig> ChildTemplates => Children ?? [];

    /// <summary>
    /// How often a host behind a NAT sends a NAT-keepalive while it sent nothing else (RFC 3948 §2.3, §4: 20 s
    /// suggested); zero turns keepalives off.
    /// </summary>
    public TimeSpan NatKeepalive { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Our certificate and key; when set we authenticate with a signature (RFC 7427) instead of the PSK.</summary>
    public CertificateCredential? LocalCertificate { get; init; }

    /// <summary>
    /// The CAs a peer certificate must chain to. When set, the peer may (and without a PSK must)
    /// authenticate with a certificate, and we ask for one with CERTREQ (RFC 7296 §3.7).
    /// </summary>
    public IReadOnlyList<X509Certificate2>? TrustedCas { get; init; }

    /// <summary>Certificates play a part on either side: announce SIGNATURE_HASH_ALGORITHMS (RFC 7427 §4).</summary>
    internal bool UsesCertificates => LocalCertificate is not null || TrustedCas is not null;

    /// <summary>When to send SKF fragments and how much reassembly may hold (RFC 7383).</summary>
    public FragmentationOptions Fragmentation { get; init; } = FragmentationOptions.Default;

    /// <summary>AES-256-GCM-16, PRF-HMAC-SHA384, Curve25519 then ECP-256: what our hosts offer each other.</summary>
    public static IReadOnlyList<IkeCipherSuite> DefaultIkeProposals { get; } =
    [
        new(EncryptionAlgorithm.AesGcm16, 256, IkePrf.HmacSha384, IntegrityAlgorithm.None, KeyExchangeMethod.Curve25519),
        new(EncryptionAlgorithm.AesGcm16, 256, IkePrf.HmacSha384, IntegrityAlgorithm.None, KeyExchangeMethod.Ecp256),
    ];
}

/// <summary>
/// One CHILD_SA template: its TVD label (RFC 9478 TS_SECLABEL), the address selectors of our
/// side and of the peer's side (RFC 7296 §2.9), and the ESP suites in preference order.
/// </summary>
/// <param name="Label">The TVD label to request (initiator). A responder takes the label from the request and asks its <see cref="ILabelPolicy"/>.</param>
/// <param name="Lifetime">When to rekey and when to delete CHILD_SAs of this template; null keeps them until deleted.</param>
public sealed record ChildSaConfig(
    string Name,
    string? Label,
    IReadOnlyList<AddressRangeSelector> LocalSelectors,
    IReadOnlyList<AddressRangeSelector> RemoteSelectors,
    IReadOnlyList<EspSuite> EspProposals,
    SaLifetime? Lifetime = null)
{
    public static IReadOnlyList<EspSuite> DefaultEspProposals { get; } = [EspSuite.AesGcm16_256, EspSuite.AesGcm16_128];
}
