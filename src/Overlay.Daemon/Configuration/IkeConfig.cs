using System.Security.Cryptography.X509Certificates;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Sa;
using Overlay.Ike.Crypto;
using Overlay.Ike.Crypto.Certificates;
using Overlay.Ike.Net;
using Overlay.Ike.Sa;

namespace Overlay.Daemon.Configuration;

/// <summary>
/// The <c>[ike]</c> table of overlayd.toml: IKEv2 keying of the data plane's (peer, TVD) tunnels. One
/// CHILD_SA per (peer, TVD) both hosts may carry; the TVD travels as its RFC 9478 label. See
/// docs/daemon.md for every key.
/// </summary>
/// <param name="LocalId">Our IKE identity (FQDN); default <c>[daemon] host</c>, the name peers find us by in the policy.</param>
/// <param name="DefaultPsk">The pre-shared key of every peer without its own <c>psk</c>; only with <see cref="SharedPsk"/>.</param>
/// <param name="IkePort">Plain IKE's own UDP port (IKE on the NAT-T port shares the data plane's socket).</param>
/// <param name="DpdInterval">How long an IKE SA may be quiet before we probe it (dead peer detection); zero turns DPD off.</param>
/// <param name="RetryInterval">How long to wait before trying a (peer, TVD) again whose setup failed.</param>
public sealed record IkeConfig(
    bool Enabled,
    string? LocalId,
    byte[]? DefaultPsk,
    int IkePort,
    IReadOnlyList<IkeCipherSuite> IkeProposals,
    IReadOnlyList<EspSuite> EspProposals,
    Overlay.Ike.Sa.SaLifetime IkeLifetime,
    Overlay.Ike.Sa.SaLifetime ChildLifetime,
    TimeSpan DpdInterval,
    RetransmitPolicy Retransmit,
    TimeSpan RetryInterval,
    int CookieThreshold,
    IReadOnlyList<IkePeerConfig> Peers,
    ConfigLocation Location)
{
    public const int DefaultIkePort = 500;

    /// <summary>
    /// <c>shared_psk = true</c>: the operator accepts one <c>[ike] psk</c> for every peer without its own, knowing that any
    /// host holding it can claim to be any other (logged as a warning at start). Without it <c>[ike] psk</c> is an error.
    /// </summary>
    public bool SharedPsk { get; init; }

    /// <summary>Our certificate and key (<c>certificate</c>, <c>private_key</c>); null without them.</summary>
    public CertificateCredential? Certificate { get; init; }

    /// <summary>How long a half-open responder SA lives (<c>half_open_timeout</c>) and how many one source address may hold (<c>half_open_per_source</c>).</summary>
    public HalfOpenOptions HalfOpen { get; init; } = HalfOpenOptions.Default;

    /// <summary>IKE worker threads (<c>workers</c>) and the inbound queue they drain (<c>receive_queue</c>).</summary>
    public IkeTransportOptions Transport { get; init; } = IkeTransportOptions.Default;

    /// <summary>The CAs a peer's certificate must chain to (<c>ca</c>).</summary>
    public IReadOnlyList<X509Certificate2> TrustedCas { get; init; } = [];

    /// <summary>How a peer authenticates: its <c>auth</c>, else certificates when we have one and the peer no PSK of its own.</summary>
    public IkeAuth AuthOf(IkePeerConfig peer) => peer.Auth ?? (Certificate is not null && peer.Psk is null ? IkeAuth.Pubkey : IkeAuth.Psk);

    /// <summary>The peer entry for a <c>[[dataplane.peer]]</c> name (defaults when it has none).</summary>
    public IkePeerConfig PeerSettings(string name) =>
        Peers.FirstOrDefault(p => p.Name == name) ?? new IkePeerConfig(name, null, null, null, InnerMode.EtherIp, [], [], Location);

    /// <summary>Ours first (AES-256-GCM, PRF SHA-384, Curve25519 then ECP-256), then what a default strongSwan accepts.</summary>
    public static IReadOnlyList<EspSuite> DefaultEspProposals { get; } =
        [EspSuite.AesGcm16_256, EspSuite.AesGcm16_128, new EspSuite(256, ExtendedSequenceNumbers: false), new EspSuite(128, ExtendedSequenceNumbers: false)];
}

/// <summary>
/// <c>[[ike.peer]]</c>: IKE settings of one <c>[[dataplane.peer]]</c> (same <c>name</c>).
/// </summary>
/// <param name="Id">The identity the peer must prove (FQDN); default its name, which is its host name in the policy.</param>
/// <param name="Initiate">Whether we start IKE towards it; null = the host with the lower underlay address initiates.</param>
/// <param name="Mode">etherip between TVD Overlay hosts; ip towards standard IPsec peers (strongSwan), with selectors.</param>
/// <param name="LocalTs">Our protected prefixes in ip mode (TSi as initiator).</param>
/// <param name="RemoteTs">The peer's protected prefixes in ip mode; guest packets to them are routed into the tunnel.</param>
public sealed record IkePeerConfig(
    string Name,
    string? Id,
    byte[]? Psk,
    bool? Initiate,
    InnerMode Mode,
    IReadOnlyList<IpPrefix> LocalTs,
    IReadOnlyList<IpPrefix> RemoteTs,
    ConfigLocation Location)
{
    /// <summary><c>auth</c>: "psk" or "pubkey"; null = the default of <see cref="IkeConfig.AuthOf"/>.</summary>
    public IkeAuth? Auth { get; init; }
}

/// <summary>How both ends of an IKE SA prove who they are (swanctl.conf's <c>auth</c> names).</summary>
public enum IkeAuth
{
    /// <summary>The pre-shared key (RFC 7296 §2.15).</summary>
    Psk,

    /// <summary>Certificates and signatures (RFC 7427), chained to <c>[ike] ca</c>.</summary>
    Pubkey,
}

/// <summary>An address prefix as written in the config ("10.13.2.0/24"), with its first and last address.</summary>
public sealed record IpPrefix(System.Net.IPAddress Network, int Length)
{
    public System.Net.IPAddress First => Bound(false);

    public System.Net.IPAddress Last => Bound(true);

    public static bool TryParse(string text, out IpPrefix? prefix)
    {
        prefix = null;
        string[] parts = text.Trim().Split('/');
        if (!System.Net.IPAddress.TryParse(parts[0], out System.Net.IPAddress? address))
        {
            return false;
        }

        int bits = address.GetAddressBytes().Length * 8;
        int length = bits;
        if (parts.Length > 2 || (parts.Length == 2 && (!int.TryParse(parts[1], out length) || length < 0 || length > bits)))
        {
            return false;
        }

        prefix = new IpPrefix(address, length);
        return true;
    }

    private System.Net.IPAddress Bound(bool last)
    {
        byte[] bytes = Network.GetAddressBytes();
        for (int bit = Length; bit < bytes.Length * 8; bit++)
        {
            int mask = 0x80 >> (bit % 8);
            bytes[bit / 8] = (byte)(last ? bytes[bit / 8] | mask : bytes[bit / 8] & ~mask);
        }

        return new System.Net.IPAddress(bytes);
    }

    public override string ToString() => $"{Network}/{Length}";
}
