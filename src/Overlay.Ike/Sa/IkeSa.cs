using System.Net;
using Overlay.Ike.Crypto;
using Overlay.Ike.Tasks;

namespace Overlay.Ike.Sa;

/// <summary>Life cycle of an IKE SA (strongSwan's ike_sa states, reduced to what we use).</summary>
public enum IkeSaState
{
    /// <summary>Nothing exchanged yet.</summary>
    Created,

    /// <summary>IKE_SA_INIT or IKE_AUTH in progress.</summary>
    Connecting,

    /// <summary>IKE_AUTH done: authenticated, keys in use.</summary>
    Established,

    /// <summary>We sent an IKE SA delete and wait for its answer.</summary>
    Deleting,

    /// <summary>Gone; every CHILD_SA was removed from the sink.</summary>
    Destroyed,
}

/// <summary>
/// One IKE SA (RFC 7296 §1): SPIs, role, negotiated suite and keys, the exchange state needed by
/// AUTH (both IKE_SA_INIT messages and nonces), the peer's identity and the CHILD_SAs it created.
/// Exchanges run through <see cref="Tasks"/>. Public entry points lock the SA, so a socket
/// thread and a timer callback never run its tasks at the same time.
/// </summary>
public sealed partial class IkeSa : IDisposable
{
    internal readonly object Sync = new();
    private readonly List<ChildSa> _children = [];

    public IkeSa(IkeSaConfig config, bool isOriginalInitiator, IkeSaServices services, IPEndPoint local, IPEndPoint remote)
        : this(config, isOriginalInitiator, services, local, remote, allocateSpi: isOriginalInitiator)
    {
    }

    private IkeSa(IkeSaConfig config, bool isOriginalInitiator, IkeSaServices services, IPEndPoint local, IPEndPoint remote, bool allocateSpi)
    {
        Config = config;
        IsOriginalInitiator = isOriginalInitiator;
        Services = services;
        Local = local;
        Remote = remote;
        CreatedTimestamp = services.Time.GetTimestamp();
        if (allocateSpi)
        {
            InitiatorSpi = AllocateIkeSpi();
        }

        Tasks = new TaskManager(this);
    }

    public IkeSaConfig Config { get; }

    /// <summary>When the SA was created (<see cref="TimeProvider.GetTimestamp"/>): where its handshake's duration starts.</summary>
    internal long CreatedTimestamp { get; }

    public IkeSaServices Services { get; }

    public bool IsOriginalInitiator { get; }

    public ulong InitiatorSpi { get; internal set; }

    /// <summary>Zero until the responder accepted IKE_SA_INIT (RFC 7296 §3.1).</summary>
    public ulong ResponderSpi
    {
        get => _responderSpi;
        internal set
        {
            _responderSpi = value;
            if (value != 0 && !IsOriginalInitiator)
            {
                ResponderSpiAssigned?.Invoke(this);
            }
        }
    }

    private ulong _responderSpi;

    /// <summary>
    /// A responder SA took its SPI. Raised before any reply carrying it is sent, so the manager routes the
    /// peer's next message to this SA even when it arrives on another port's receive thread (port 4500
    /// after a NAT float) while this one is still sending its IKE_SA_INIT response.
    /// </summary>
    public event Action<IkeSa>? ResponderSpiAssigned;

    /// <summary>Our own SPI: how the peer's messages find this SA.</summary>
    public ulong LocalSpi => IsOriginalInitiator ? InitiatorSpi : ResponderSpi;

    public IkeSaState State { get; internal set; }

    public IPEndPoint Local { get; internal set; }

    public IPEndPoint Remote { get; internal set; }

    public IkeCipherSuite? Suite { get; private set; }

    public IkeKeyMaterial? Keys { get; private set; }

    internal IkeMessageProtector? Protector { get; private set; }

    /// <summary>Nonces of IKE_SA_INIT (RFC 7296 §2.10); AUTH and the first CHILD_SA's KEYMAT use them.</summary>
    public byte[] NonceInitiator { get; internal set; } = [];

    public byte[] NonceResponder { get; internal set; } = [];

    /// <summary>The IKE_SA_INIT request and response exactly as sent (RealMessage1/2, RFC 7296 §2.15).</summary>
    internal byte[] InitRequest { get; set; } = [];

    internal byte[] InitResponse { get; set; } = [];

    /// <summary>The authenticated peer identity, set by IKE_AUTH.</summary>
    public IkeIdentity? PeerIdentity { get; internal set; }

    /// <summary>NAT_DETECTION_* results (RFC 7296 §2.23).</summary>
    public bool LocalBehindNat { get; internal set; }

    public bool RemoteBehindNat { get; internal set; }

    /// <summary>The peer sent IKEV2_FRAGMENTATION_SUPPORTED (RFC 7383 §2.3).</summary>
    public bool PeerSupportsFragmentation { get; internal set; }

    /// <summary>Hashes the peer accepts for RFC 7427 signatures (SIGNATURE_HASH_ALGORITHMS); empty: classic AUTH methods only.</summary>
    public IReadOnlyList<SignatureHashAlgorithm> PeerSignatureHashes { get; internal set; } = [];

    /// <summary>The peer's end-entity certificate, once IKE_AUTH verified it.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? PeerCertificate { get; internal set; }

    /// <summary>Why the SA failed or ended, for logs and tests: the notify received or sent, or a reason.</summary>
    public string? FailureReason { get; internal set; }

    /// <summary>Why the last CHILD_SA negotiation failed (e.g. "TS_UNACCEPTABLE"), while the IKE SA stays.</summary>
    public string? ChildFailureReason { get; internal set; }

    public IReadOnlyList<ChildSa> Children => _children;

    public TaskManager Tasks { get; }

    /// <summary>Raised once when the SA reaches <see cref="IkeSaState.Destroyed"/>.</summary>
    public event Action<IkeSa>? Destroyed;

    /// <summary>Starts IKE_SA_INIT, IKE_AUTH and, with <paramref name="child"/>, the first CHILD_SA (RFC 7296 §1.2).</summary>
    public void Initiate(ChildSaConfig? child)
    {
        lock (Sync)
        {
            Tasks.Queue(new IkeInitTask(this));
            Tasks.Queue(new IkeAuthTask(this));
            if (child is not null)
            {
                Tasks.Queue(new ChildCreateTask(this, child));
            }

            Tasks.Initiate();
        }
    }

    /// <summary>Another CHILD_SA on an established SA (CREATE_CHILD_SA, RFC 7296 §1.3.1).</summary>
    public void CreateChildSa(ChildSaConfig child) => QueueAndInitiate(new ChildCreateTask(this, child));

    /// <summary>Deletes one CHILD_SA with an INFORMATIONAL exchange (RFC 7296 §1.4.1).</summary>
    /// <param name="refusal">Why, when the peer is no longer admitted to the CHILD_SA's TVD: sent with the Delete
    /// (TVD_ATTESTATION_REFUSED) to a peer that speaks attested IKE, so its side can record it.</param>
    public void DeleteChildSa(ChildSa child, string? refusal = null) => QueueAndInitiate(new DeleteTask(this, child) { Refusal = refusal });

    /// <summary>Deletes the IKE SA and with it every CHILD_SA (RFC 7296 §1.4.1).</summary>
    public void Delete() => QueueAndInitiate(new DeleteTask(this, null));

    /// <summary>Deletes the IKE SA, keeping <paramref name="reason"/> as its <see cref="FailureReason"/>.</summary>
    internal void Delete(string reason) => QueueAndInitiate(new DeleteTask(this, null, reason: reason));

    /// <summary>An empty INFORMATIONAL request: dead peer detection (RFC 7296 §1.4, §2.4).</summary>
    public void CheckLiveness() => QueueAndInitiate(new DpdTask(this));

    /// <summary>
    /// Handles one received IKE message (without the non-ESP marker). With the endpoints it came
    /// on, an authenticated request moves our answers there (RFC 7296 §2.23, §2.11: reply to
    /// the address and port the request came from).
    /// </summary>
    public void Receive(ReadOnlySpan<byte> ikeMessage, IPEndPoint? local = null, IPEndPoint? remote = null)
    {
        lock (Sync)
        {
            Tasks.Receive(ikeMessage, local, remote);
        }
    }

    private void QueueAndInitiate(IIkeTask task)
    {
        lock (Sync)
        {
            Tasks.Queue(task);
            Tasks.Initiate();
        }
    }

    internal ulong AllocateIkeSpi()
    {
        Span<byte> spi = stackalloc byte[8];
        ulong value;
        do
        {
            Services.Random.Fill(spi);
            value = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(spi);
        }
        while (value == 0);
        return value;
    }

    /// <summary>A CHILD_SA SPI; 0–255 are reserved (RFC 4303 §2.1).</summary>
    internal uint AllocateChildSpi()
    {
        Span<byte> spi = stackalloc byte[4];
        uint value;
        do
        {
            Services.Random.Fill(spi);
            value = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(spi);
        }
        while (value < 256 || _children.Any(c => c.InboundSpi == value));
        return value;
    }

    internal byte[] CreateNonce()
    {
        // 32 octets: at least half the PRF key size of every PRF we offer (RFC 7296 §2.10).
        var nonce = new byte[32];
        Services.Random.Fill(nonce);
        return nonce;
    }

    internal void InstallKeys(IkeCipherSuite suite, IkeKeyMaterial keys)
    {
        Protector?.Dispose();
        Suite = suite;
        Keys = keys;
        Protector = new IkeMessageProtector(suite, keys, IsOriginalInitiator, Services.Random);
    }

    /// <summary>Installs a new CHILD_SA in the sink and starts its lifetime timers.</summary>
    internal void AddChild(ChildSa child)
    {
        _children.Add(child);
        child.Owner = this;
        child.InstalledAt = Services.Time.GetUtcNow();
        Services.ChildSink.Install(child);
        StartChildTimers(child);
    }

    internal bool RemoveChild(ChildSa child)
    {
        if (!_children.Remove(child))
        {
            return false;
        }

        child.StopTimers();
        Services.ChildSink.Remove(child);
        return true;
    }

    /// <summary>Ends the SA: removes its CHILD_SAs from the sink, stops timers, forgets keys.</summary>
    internal void Destroy(string reason)
    {
        if (State == IkeSaState.Destroyed)
        {
            return;
        }

        FailureReason ??= reason;
        State = IkeSaState.Destroyed;
        foreach (var child in _children.ToArray())
        {
            RemoveChild(child);
        }

        StopIkeTimers();
        Tasks.Dispose();
        Protector?.Dispose();
        Protector = null;
        Destroyed?.Invoke(this);
    }

    public void Dispose()
    {
        lock (Sync)
        {
            Destroy("disposed");
        }
    }

    public override string ToString()
        => $"IKE_SA {InitiatorSpi:x16}_i {ResponderSpi:x16}_r {(IsOriginalInitiator ? "initiator" : "responder")} {State}";
}
