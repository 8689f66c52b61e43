using System.Buffers.Binary;

namespace Overlay.DataPlane.Esp;

/// <summary>
/// The cleartext front of an ESP packet, RFC 4303 §2 (Figure 1), as used with AES-GCM (RFC 4106 §3):
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |               Security Parameters Index (SPI)                 |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                      Sequence Number (low 32 bits)            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                 Initialization Vector (8 octets)              |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~        Ciphertext: payload, padding, pad length, next header  ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |              Integrity Check Value (16 octets)                |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// With ESN only the low 32 bits of the sequence number travel; the receiver infers the high
/// half (RFC 4303 Appendix A).
/// </summary>
public readonly record struct EspHeader(uint Spi, uint SequenceLow)
{
    /// <summary>Reads SPI and sequence number; false when fewer than 8 bytes are present.</summary>
    public static bool TryParse(ReadOnlySpan<byte> packet, out EspHeader header)
    {
        if (packet.Length < EspConstants.HeaderSize)
        {
            header = default;
            return false;
        }

        header = new EspHeader(
            BinaryPrimitives.ReadUInt32BigEndian(packet),
            BinaryPrimitives.ReadUInt32BigEndian(packet[EspConstants.SpiSize..]));
        return true;
    }

    /// <summary>Reads only the SPI (the demultiplexing key), as the receive stage does first.</summary>
    public static bool TryReadSpi(ReadOnlySpan<byte> packet, out uint spi)
    {
        if (packet.Length < EspConstants.SpiSize)
        {
            spi = 0;
            return false;
        }

        spi = BinaryPrimitives.ReadUInt32BigEndian(packet);
        return true;
    }

    /// <summary>Writes the 8 header bytes; false when the destination is too short.</summary>
    public bool TryWrite(Span<byte> destination)
    {
        if (destination.Length < EspConstants.HeaderSize)
        {
            return false;
        }

        BinaryPrimitives.WriteUInt32BigEndian(destination, Spi);
        BinaryPrimitives.WriteUInt32BigEndian(destination[EspConstants.SpiSize..], SequenceLow);
        return true;
    }
}
