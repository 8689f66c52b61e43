using System.Net;
using Overlay.DataPlane.Frames;
using Overlay.DataPlane.Replay;
using Overlay.DataPlane.Sequence;

namespace Overlay.DataPlane.Esp;

/// <summary>
/// Everything the data plane needs to run one unidirectional ESP SA, as negotiated by IKE
/// (the CHILD_SA's SPI, keys from KEYMAT, the TVD it carries).
/// </summary>
/// <param name="Peer">The remote host's UDP endpoint (port 4500 unless NAT changed it).</param>
/// <param name="TvdVlanId">VLAN id of the one TVD this SA carries (1..4094).</param>
/// <param name="TvdLabel">The TVD label negotiated in TS_SECLABEL (for status and audit).</param>
/// <param name="Key">AES key followed by the 4-byte salt, as taken from KEYMAT (RFC 4106 §8.1).</param>
public sealed record SaDescriptor(
    IPEndPoint Peer,
    ushort TvdVlanId,
    string TvdLabel,
    SaDirection Direction,
    uint Spi,
    EspCipher Cipher,
    ReadOnlyMemory<byte> Key,
    InnerMode InnerMode = InnerMode.EtherIp,
    SaLifetime Lifetime = default,
    bool ExtendedSequenceNumbers = true,
    int ReplayWindowSize = EspConstants.MinReplayWindow)
{
    /// <summary>Smallest and largest usable 802.1Q VID (0 and 4095 are reserved, IEEE 802.1Q §9.6).</summary>
    public const ushort MinVlanId = VlanTag.MinVid;
    public const ushort MaxVlanId = VlanTag.MaxVid;

    /// <summary>
    /// Outbound only: the counter the SA takes its sequence numbers (its AES-GCM IVs) from. Null: a fresh one from
    /// 1, right for a key used once (IKE's CHILD_SAs). A statically keyed SA must bring one from a
    /// <see cref="SequenceReserver"/>, which continues above what earlier runs used under the same key.
    /// </summary>
    public OutboundSequence? Sequence { get; init; }

    /// <summary>Null when the descriptor can be installed, else a sentence saying what is wrong.</summary>
    public string? Validate()
    {
        if (TvdVlanId is < MinVlanId or > MaxVlanId)
        {
            return $"VLAN id {TvdVlanId} is outside {MinVlanId}..{MaxVlanId}";
        }

        if (string.IsNullOrWhiteSpace(TvdLabel))
        {
            return "the TVD label is empty";
        }

        if (Spi < EspConstants.MinAssignableSpi)
        {
            return $"SPI {Spi} is reserved (RFC 4303 §2.1)";
        }

        int keySize = Cipher.KeySize();
        if (keySize == 0)
        {
            return $"unknown cipher {Cipher}";
        }

        if (Key.Length != keySize + EspConstants.GcmSaltSize)
        {
            return $"{Cipher} needs {keySize + EspConstants.GcmSaltSize} bytes of key material (key + salt), got {Key.Length}";
        }

        if (Direction == SaDirection.Inbound && !ReplayWindow.IsValidSize(ReplayWindowSize))
        {
            return $"replay window {ReplayWindowSize} is not a power of two in [{EspConstants.MinReplayWindow}, {EspConstants.MaxReplayWindow}]";
        }

        if (Sequence is not null)
        {
            if (Direction != SaDirection.Outbound)
            {
                return "an inbound SA has no sequence counter of its own";
            }

            ulong max = ExtendedSequenceNumbers ? EspConstants.MaxSequence64 : EspConstants.MaxSequence32;
            if (Sequence.Max != max)
            {
                return $"its sequence counter was opened for a {(Sequence.Max == EspConstants.MaxSequence64 ? "64" : "32")}-bit space, the SA has {(ExtendedSequenceNumbers ? "64" : "32")}-bit (ESN {(ExtendedSequenceNumbers ? "on" : "off")})";
            }
        }

        return Lifetime.Validate();
    }
}
