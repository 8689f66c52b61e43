using Overlay.Ike.Crypto;
using Overlay.Ike.Tasks;

namespace Overlay.Ike.Sa;

/// <summary>
/// Rekeying (RFC 7296 §2.8, §2.18): a CHILD_SA is replaced by a new one on the same IKE SA; the
/// IKE SA is replaced by a successor with new SPIs and keys that takes over every CHILD_SA, after
/// which the old IKE SA is deleted. The <see cref="IkeSaManager"/> learns of a successor through
/// <see cref="Rekeyed"/> and routes its SPI to it.
/// </summary>
public sealed partial class IkeSa
{
    /// <summary>The IKE SA that replaced this one; set once a rekey of the IKE SA completed.</summary>
    public IkeSa? SupersededBy { get; private set; }

    /// <summary>Raised (old SA, successor) when a successor exists; the manager registers it.</summary>
    public event Action<IkeSa, IkeSa>? Rekeyed;

    /// <summary>Rekeys <paramref name="child"/> with CREATE_CHILD_SA and REKEY_SA (§1.3.3); the old one is deleted after the new one is installed.</summary>
    public void RekeyChildSa(ChildSa child) => QueueAndInitiate(new ChildRekeyTask(this, child));

    /// <summary>Rekeys the IKE SA with CREATE_CHILD_SA (§1.3.2); the CHILD_SAs move to the successor.</summary>
    public void Rekey() => QueueAndInitiate(new IkeRekeyTask(this));

    /// <summary>
    /// A new established IKE SA replacing this one (§2.18): the side that initiated the rekey is
    /// the successor's original initiator, message IDs start at zero, the authenticated peer and
    /// the endpoints carry over. It has no CHILD_SAs until <see cref="MoveChildrenTo"/>.
    /// </summary>
    internal IkeSa CreateSuccessor(bool weInitiated, ulong spiI, ulong spiR, IkeCipherSuite suite, IkeKeyMaterial keys)
    {
        var successor = new IkeSa(Config, weInitiated, Services, Local, Remote, allocateSpi: false)
        {
            InitiatorSpi = spiI,
            ResponderSpi = spiR,
            PeerIdentity = PeerIdentity,
            LocalBehindNat = LocalBehindNat,
            RemoteBehindNat = RemoteBehindNat,
            PeerSupportsFragmentation = PeerSupportsFragmentation,
            PeerSignatureHashes = PeerSignatureHashes,
            PeerCertificate = PeerCertificate,
            State = IkeSaState.Established,
        };
        successor.InstallKeys(suite, keys);
        successor.StartIkeTimers();
        Rekeyed?.Invoke(this, successor);
        return successor;
    }

    /// <summary>Hands every CHILD_SA to <paramref name="successor"/>; the data plane keeps them installed (nothing changes for ESP).</summary>
    internal void MoveChildrenTo(IkeSa successor)
    {
        SupersededBy = successor;
        foreach (var child in _children)
        {
            child.Owner = successor;
            successor._children.Add(child);
        }

        _children.Clear();
    }

    /// <summary>True while the SA may start new exchanges other than its own deletion.</summary>
    internal bool AcceptsNewWork => State == IkeSaState.Established && SupersededBy is null;
}
