using System.Net;
using Overlay.Ike.Attestation;

namespace Overlay.Ike.Sa;

/// <summary>
/// Decides which TVD labels a peer may have CHILD_SAs for: the responder's check of RFC 9478 §3 (a refused
/// label is answered with TS_UNACCEPTABLE and the reason), and the initiator's check of what the responder
/// proved before it installs a CHILD_SA it asked for. Implemented by the daemon over the Labels policy; IKE
/// only asks.
/// </summary>
public interface ILabelPolicy
{
    /// <param name="peerId">The authenticated peer identity as text (<see cref="IkeIdentity.ToString"/>).</param>
    /// <param name="label">The label from TS_SECLABEL, without its NUL terminator.</param>
    /// <param name="attestation">The appraisal of the peer's evidence on this IKE SA; null when it presented none.</param>
    LabelVerdict Check(string peerId, string label, IPeerAttestation? attestation);

    /// <summary>
    /// Whether the authenticated peer, with what it proved, may have any CHILD_SA with us at all; a peer admitted to
    /// nothing fails IKE_AUTH (AUTHENTICATION_FAILED) instead of keeping an empty IKE SA. Not audited: a refusal of
    /// the labels it then asks for would be.
    /// </summary>
    bool AdmitsAny(string peerId, IPeerAttestation? attestation) => true;
}

/// <summary>The label policy's answer; a refusal's reason travels to the peer in TVD_ATTESTATION_REFUSED.</summary>
public readonly record struct LabelVerdict(bool Allowed, string? Reason)
{
    public static LabelVerdict Allow { get; } = new(true, null);

    public static LabelVerdict Deny(string reason) => new(false, reason);
}

/// <summary>
/// Where negotiated CHILD_SAs go: the data plane's SA table, wired by the daemon. The SA carries
/// its label, both SPIs, KEYMAT split per direction and the narrowed selectors. Kept in Ike so this
/// project needs no reference to DataPlane; the daemon adapts it to DataPlane's ISaInstaller,
/// which also needs the TVD's VLAN id that only the Labels policy knows.
/// </summary>
public interface IChildSaSink
{
    void Install(ChildSa child);

    void Remove(ChildSa child);

    /// <summary>
    /// The peer refused us: a CHILD_SA we asked for, one it withdrew (a Delete carrying its reason), or, with no
    /// label, the whole IKE SA (AUTHENTICATION_FAILED after a valid AUTH: we are admitted to none of its TVDs).
    /// Its reason, from TVD_ATTESTATION_REFUSED or the bare error notify, is the peer's word: text to record.
    /// </summary>
    void RefusedByPeer(PeerRefusal refusal);

    /// <summary>
    /// The established IKE SA with <paramref name="peer"/> moved to a new endpoint (RFC 7296 §2.23 dynamic address
    /// update, after an authenticated new request from there): its CHILD_SAs' ESP goes to <paramref name="mapping"/>.
    /// A sink that carries no ESP (tests, benchmarks, fuzzing) has nothing to move.
    /// </summary>
    void PeerMoved(IkeIdentity peer, NatMapping mapping)
    {
    }
}

/// <param name="Peer">The authenticated peer; null when it refused us before IKE_AUTH completed.</param>
/// <param name="Label">The TVD label refused or withdrawn; null for the whole IKE SA.</param>
/// <param name="Reason">The peer's reason (control characters replaced), or the error notify it sent.</param>
/// <param name="Withdrawn">True when the peer deleted a CHILD_SA it had admitted; false when it refused one.</param>
public sealed record PeerRefusal(IkeIdentity? Peer, string? Label, string Reason, bool Withdrawn);

/// <summary>Sends one IKE datagram (the socket adds the non-ESP marker on port 4500).</summary>
public interface IIkeSender
{
    void Send(ReadOnlySpan<byte> ikeMessage, IPEndPoint local, IPEndPoint remote);

    /// <summary>
    /// A NAT-keepalive from <paramref name="local"/> (the NAT-T port) to <paramref name="remote"/> (RFC 3948 §2.3),
    /// unless ESP went there since the last one; true when one was sent. A sender without a NAT-T port sends none.
    /// </summary>
    bool SendNatKeepalive(IPEndPoint local, IPEndPoint remote) => false;
}

/// <summary>
/// Retransmission of requests (RFC 7296 §2.1: the initiator retransmits, the responder never
/// does). Defaults are strongSwan's: 4 s, factor 1.8, 5 retransmits (about 165 s in total).
/// </summary>
public sealed record RetransmitPolicy(TimeSpan InitialTimeout, double Backoff, int MaxRetransmits)
{
    public static RetransmitPolicy Default { get; } = new(TimeSpan.FromSeconds(4), 1.8, 5);

    /// <summary>How long to wait after the <paramref name="retransmits"/>-th retransmission.</summary>
    public TimeSpan TimeoutAfter(int retransmits) => InitialTimeout * Math.Pow(Backoff, retransmits);
}

/// <summary>The services an IKE SA runs with; all injected (convention 8).</summary>
public sealed record IkeSaServices(
    Crypto.IIkeRandom Random,
    Crypto.KeyExchange.IKeyExchangeFactory KeyExchanges,
    ILabelPolicy LabelPolicy,
    IChildSaSink ChildSink,
    IIkeSender Sender,
    TimeProvider Time,
    RetransmitPolicy Retransmit)
{
    /// <summary>Attested IKE (docs/protocol.md); null: we neither announce nor present nor ask for evidence.</summary>
    public IIkeAttestation? Attestation { get; init; }

    /// <summary>
    /// How long a handshake waits for our own evidence before it goes on without (a TPM that hangs must not
    /// hold a peer's unattested TVDs hostage).
    /// </summary>
    public TimeSpan EvidenceWait { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>What fragments waiting for reassembly may hold across every SA using these services.</summary>
    public ReassemblyBudget FragmentBudget { get; init; } = ReassemblyBudget.Shared;

    /// <summary>Where failed negotiations are counted and logged (<see cref="IkeFailureRecorder"/>); null: nowhere.</summary>
    public IkeFailureRecorder? Failures { get; init; }
}
