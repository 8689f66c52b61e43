using System.Buffers.Binary;
using Overlay.DataPlane.Counters;
using Overlay.DataPlane.Esp.Crypto;
using Overlay.DataPlane.Replay;
using Overlay.DataPlane.Sequence;

namespace Overlay.DataPlane.Esp;

/// <summary>
/// One unidirectional ESP SA with AES-GCM (RFC 4303 + RFC 4106): keys, sequence counter or replay
/// window, lifetimes and counters. Sealing is in <c>EspSa.Outbound.cs</c>, opening in
/// <c>EspSa.Inbound.cs</c>, limits in <c>EspSa.Lifetime.cs</c>.
/// <para>
/// Threading: <see cref="Seal"/> and <see cref="TryOpen"/> may be called from several threads at
/// once. The sequence counter, lifetimes and counters are atomic; AES-GCM runs on a small pool of
/// OpenSSL contexts (<see cref="EspAead"/>), each used by one thread at a time; the replay window
/// takes concurrent callers without a lock (<see cref="ReplayWindow"/>: blocks updated by
/// compare-and-swap). <see cref="Dispose"/> may race with packets in flight: they end as SaExpired.
/// </para>
/// </summary>
public sealed partial class EspSa : IDisposable
{
    private readonly EspAead _aead;
    private readonly uint _salt;
    private readonly bool _esn;

    private EspSa(SaDescriptor descriptor, TimeProvider time, DropCounters? globalDrops)
    {
        ReadOnlySpan<byte> keyMaterial = descriptor.Key.Span;
        int keySize = descriptor.Cipher.KeySize();
        _aead = new EspAead(keyMaterial[..keySize], encrypt: descriptor.Direction == SaDirection.Outbound);
        _salt = BinaryPrimitives.ReadUInt32BigEndian(keyMaterial[keySize..]);
        _esn = descriptor.ExtendedSequenceNumbers;

        // Keep the descriptor for status, but not the key: OpenSSL's contexts hold the key schedule.
        Descriptor = descriptor with { Key = ReadOnlyMemory<byte>.Empty };
        Drops = new DropCounters(globalDrops);
        Traffic = new TrafficCounters();
        Window = descriptor.Direction == SaDirection.Inbound ? new ReplayWindow(descriptor.ReplayWindowSize) : null;
        _maxSequence = _esn ? EspConstants.MaxSequence64 : EspConstants.MaxSequence32;
        _sequence = descriptor.Direction == SaDirection.Outbound ? descriptor.Sequence ?? OutboundSequence.Fresh(_maxSequence) : null;
        InitLifetime(descriptor.Lifetime, time);
    }

    /// <summary>
    /// Creates the SA; throws <see cref="ArgumentException"/> for an invalid descriptor and
    /// <see cref="CryptoInteropException"/> if OpenSSL refuses the key (binding time, never per packet).
    /// </summary>
    public static EspSa Create(SaDescriptor descriptor, TimeProvider? time = null, DropCounters? globalDrops = null)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        string? error = descriptor.Validate();
        if (error is not null)
        {
            throw new ArgumentException($"SA {descriptor.Spi:x8}: {error}", nameof(descriptor));
        }

        return new EspSa(descriptor, time ?? TimeProvider.System, globalDrops);
    }

    /// <summary>The negotiated parameters, with the key removed.</summary>
    public SaDescriptor Descriptor { get; }

    public uint Spi => Descriptor.Spi;

    public SaDirection Direction => Descriptor.Direction;

    /// <summary>VLAN id of the one TVD this SA carries.</summary>
    public ushort TvdVlanId => Descriptor.TvdVlanId;

    public InnerMode InnerMode => Descriptor.InnerMode;

    /// <summary>Drops on this SA (each also counted in the global counters given at creation).</summary>
    public DropCounters Drops { get; }

    /// <summary>Packets and inner bytes sealed or opened successfully.</summary>
    public TrafficCounters Traffic { get; }

    /// <summary>Order of installation in a <c>SaTable</c> (newest outbound SA of a tunnel wins).</summary>
    internal long InstallSerial { get; set; }

    /// <summary>
    /// Inbound SA installed after its tunnel's current outbound SA while a newer outbound one waits: the
    /// first authenticated packet on it shows the peer uses the new pair, so ours may switch (see
    /// <c>SaTable.OnAuthenticated</c>). A plain field: read once per packet, cleared once.
    /// </summary>
    internal volatile bool PromotesPendingOutbound;

    /// <summary>The anti-replay window of an inbound SA; null for outbound.</summary>
    internal ReplayWindow? Window { get; private set; }

    public void Dispose()
    {
        Expire(SaLimit.Removed);
        _softTimer?.Dispose();
        _hardTimer?.Dispose();
        _aead.Dispose();
    }

    public override string ToString() => $"SA {Spi:x8} {Direction} vlan {TvdVlanId} {State}";

    /// <summary>Nonce = salt || explicit IV, RFC 4106 §4.</summary>
    private void WriteNonce(Span<byte> nonce, ReadOnlySpan<byte> iv)
    {
        BinaryPrimitives.WriteUInt32BigEndian(nonce, _salt);
        iv.CopyTo(nonce[EspConstants.GcmSaltSize..]);
    }

    /// <summary>AAD = SPI || [seq high] || seq low, RFC 4106 §5; returns its length.</summary>
    private int WriteAad(Span<byte> aad, ulong sequence)
    {
        BinaryPrimitives.WriteUInt32BigEndian(aad, Spi);
        if (_esn)
        {
            BinaryPrimitives.WriteUInt64BigEndian(aad[EspConstants.SpiSize..], sequence);
            return EspConstants.AadSizeEsn;
        }

        BinaryPrimitives.WriteUInt32BigEndian(aad[EspConstants.SpiSize..], (uint)sequence);
        return EspConstants.AadSize;
    }

    /// <summary>Replaces the replay window (tests that replay vectors with large sequence numbers).</summary>
    internal void PrimeReplayWindow(ulong top) => Window = new ReplayWindow(Descriptor.ReplayWindowSize, top);
}
