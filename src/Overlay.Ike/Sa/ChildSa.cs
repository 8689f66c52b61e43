using Overlay.Ike.Crypto;
using Overlay.Ike.Encoding.Payloads;

namespace Overlay.Ike.Sa;

/// <summary>
/// A negotiated CHILD_SA pair (RFC 7296 §1.3, §2.17): one TVD label, our inbound SPI (chosen by
/// us), our outbound SPI (chosen by the peer), the ESP suite, KEYMAT and the narrowed selectors.
/// KEYMAT is split by who initiated the exchange that created the CHILD_SA, not by who
/// initiated the IKE SA (§2.17: initiator-to-responder keys come first).
/// </summary>
public sealed class ChildSa
{
    internal ChildSa(
        string name, string label, IkeIdentity peer, uint inboundSpi, uint outboundSpi, EspSuite suite,
        ChildKeyMaterial keys, bool createdByUs, IReadOnlyList<AddressRangeSelector> localSelectors,
        IReadOnlyList<AddressRangeSelector> remoteSelectors)
    {
        Name = name;
        Label = label;
        Peer = peer;
        InboundSpi = inboundSpi;
        OutboundSpi = outboundSpi;
        Suite = suite;
        Keys = keys;
        CreatedByUs = createdByUs;
        LocalSelectors = localSelectors;
        RemoteSelectors = remoteSelectors;
    }

    public string Name { get; }

    /// <summary>The TVD label negotiated in TS_SECLABEL (RFC 9478).</summary>
    public string Label { get; }

    public IkeIdentity Peer { get; }

    /// <summary>The SPI the peer puts in ESP packets it sends to us.</summary>
    public uint InboundSpi { get; }

    /// <summary>The SPI we put in ESP packets we send.</summary>
    public uint OutboundSpi { get; }

    public EspSuite Suite { get; }

    public ChildKeyMaterial Keys { get; }

    /// <summary>True when we initiated the exchange that created this CHILD_SA.</summary>
    public bool CreatedByUs { get; }

    public IReadOnlyList<AddressRangeSelector> LocalSelectors { get; }

    public IReadOnlyList<AddressRangeSelector> RemoteSelectors { get; }

    /// <summary>The configuration it was created from (ours as initiator, the matching template as responder); rekeying reuses it.</summary>
    public ChildSaConfig? Template { get; internal init; }

    /// <summary>When it was installed, from the SA's time provider.</summary>
    public DateTimeOffset InstalledAt { get; internal set; }

    /// <summary>The CHILD_SA that replaced this one in a rekey (RFC 7296 §1.3.3), until this one is deleted.</summary>
    public ChildSa? ReplacedBy { get; internal set; }

    /// <summary>
    /// Where its ESP goes when NAT traversal is in use: the owning IKE SA's NAT-mapped remote endpoint (RFC 7296
    /// §2.23); null without a NAT (the peer's configured endpoint).
    /// </summary>
    public NatMapping? NatMapping => Owner?.NatMapping;

    /// <summary>The IKE SA that currently owns it (changes when the IKE SA is rekeyed, §2.18).</summary>
    internal IkeSa? Owner { get; set; }

    /// <summary>Soft (rekey) and hard (delete) lifetime timers; the IKE SA that currently owns the CHILD_SA handles them.</summary>
    internal ITimer? RekeyTimer { get; set; }

    internal ITimer? ExpireTimer { get; set; }

    internal void StopTimers()
    {
        RekeyTimer?.Dispose();
        ExpireTimer?.Dispose();
        RekeyTimer = null;
        ExpireTimer = null;
    }

    /// <summary>AES key followed by the salt for packets we send (RFC 4106 §8.1).</summary>
    public ReadOnlyMemory<byte> OutboundKey => CreatedByUs ? Keys.EncryptionInitiator : Keys.EncryptionResponder;

    /// <summary>AES key followed by the salt for packets we receive.</summary>
    public ReadOnlyMemory<byte> InboundKey => CreatedByUs ? Keys.EncryptionResponder : Keys.EncryptionInitiator;

    public override string ToString() => $"{Name} label {Label} in 0x{InboundSpi:x8} out 0x{OutboundSpi:x8} {Suite}";
}
