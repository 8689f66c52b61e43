using System.Net;
using Overlay.Ike;
using Overlay.Ike.Crypto;
using Overlay.Ike.Encoding.Payloads;
using Overlay.Ike.Sa;

namespace Overlay.IkeBench;

/// <summary>
/// The IKE and CHILD_SA settings every run of the benchmark uses, the same as the strongSwan
/// side (bench/lab/ike/swanctl.conf.in): PSK, aes128gcm16-prfsha256 with Curve25519 (or ECP-256),
/// ESP aes128gcm16 without ESN (kernel-libipsec cannot install ESN SAs), label tvd:red (or --label).
/// </summary>
public static class BenchConfig
{
    public const string Label = "tvd:red";

    /// <summary>
    /// The responder's half-open bounds: every IKE_SA_INIT of a rate run comes from one address, so without a high
    /// per-source limit the run would measure the limit (as charon's block_threshold = 100000 in
    /// bench/lab/ike/strongswan.conf.in says for the peer we compare with).
    /// </summary>
    public static HalfOpenOptions OneAddress { get; } = new(TimeSpan.FromSeconds(30), 100_000);

    public static IkeSaConfig Ike(BenchOptions o)
    {
        var group = o.Group == 19 ? KeyExchangeMethod.Ecp256 : KeyExchangeMethod.Curve25519;
        var suite = new IkeCipherSuite(EncryptionAlgorithm.AesGcm16, 128, IkePrf.HmacSha256, IntegrityAlgorithm.None, group);
        return new IkeSaConfig(IkeIdentity.Fqdn(o.LocalId), IkeIdentity.Fqdn(o.RemoteId),
            System.Text.Encoding.ASCII.GetBytes(o.Psk), [suite], [Child(o)]);
    }

    public static ChildSaConfig Child(BenchOptions o)
    {
        var a = Subnet("10.10.1.0", "10.10.1.255");
        var b = Subnet("10.10.2.0", "10.10.2.255");
        // The storm asks for every address and takes what the responder narrows to (RFC 7296 §2.9): a
        // daemon's underlay addresses (etherip) or its configured prefixes, or the bench responder's subnets.
        var any = Subnet("0.0.0.0", "255.255.255.255");
        var (local, remote) = o.Mode == "storm" ? (any, any) : o.Side == "b" ? (b, a) : (a, b);
        return new ChildSaConfig("net", o.Label, [local], [remote], [new EspSuite(128, ExtendedSequenceNumbers: false)]);
    }

    private static AddressRangeSelector Subnet(string start, string end) => AddressRangeSelector.Range(IPAddress.Parse(start), IPAddress.Parse(end));
}

/// <summary>Allows tvd:red to every authenticated peer (the bench has one label).</summary>
public sealed class RedOnlyPolicy : ILabelPolicy
{
    public LabelVerdict Check(string peerId, string label, Overlay.Ike.Attestation.IPeerAttestation? attestation) =>
        label == BenchConfig.Label ? LabelVerdict.Allow : LabelVerdict.Deny($"only {BenchConfig.Label}");
}

/// <summary>
/// Counts installed CHILD_SAs and tells the driver about each one: a CHILD_SA reaching the sink
/// is the "established" moment (as charon's child-updown up event is for the vici client).
/// </summary>
public sealed class CountingSink : IChildSaSink
{
    private long _installed, _removed;

    public event Action<ChildSa>? Installed;

    public long InstalledCount => Interlocked.Read(ref _installed);

    public long RemovedCount => Interlocked.Read(ref _removed);

    public void Install(ChildSa child)
    {
        Interlocked.Increment(ref _installed);
        Installed?.Invoke(child);
    }

    public void Remove(ChildSa child) => Interlocked.Increment(ref _removed);

    public void RefusedByPeer(PeerRefusal refusal)
    {
    }
}
