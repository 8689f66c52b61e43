using System.Buffers.Binary;

namespace Overlay.DataPlane.Frames;

/// <summary>A 48-bit IEEE 802 MAC address held in the low bits of a ulong (cheap to hash and compare).</summary>
public readonly record struct MacAddress(ulong Value)
{
    public const int Size = 6;

    public static MacAddress Broadcast => new(0xFFFF_FFFF_FFFFUL);

    /// <summary>Group (multicast or broadcast) addresses have the I/G bit set: bit 0 of the first octet.</summary>
    public bool IsGroup => (Value & 0x0100_0000_0000UL) != 0;

    public bool IsBroadcast => Value == 0xFFFF_FFFF_FFFFUL;

    /// <summary>Reads 6 octets (caller guarantees the length).</summary>
    public static MacAddress Read(ReadOnlySpan<byte> six) =>
        new(((ulong)BinaryPrimitives.ReadUInt16BigEndian(six) << 32) | BinaryPrimitives.ReadUInt32BigEndian(six[2..]));

    public void Write(Span<byte> six)
    {
        BinaryPrimitives.WriteUInt16BigEndian(six, (ushort)(Value >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(six[2..], (uint)Value);
    }

    /// <summary>Parses "aa:bb:cc:dd:ee:ff" (or with '-'); for configuration and tests, not the data path.</summary>
    public static bool TryParse(string text, out MacAddress address)
    {
        address = default;
        string[] parts = text.Split(':', '-');
        if (parts.Length != Size)
        {
            return false;
        }

        ulong value = 0;
        foreach (string part in parts)
        {
            if (part.Length != 2 || !byte.TryParse(part, System.Globalization.NumberStyles.HexNumber, null, out byte b))
            {
                return false;
            }

            value = (value << 8) | b;
        }

        address = new MacAddress(value);
        return true;
    }

    public override string ToString()
    {
        Span<byte> b = stackalloc byte[Size];
        Write(b);
        return $"{b[0]:x2}:{b[1]:x2}:{b[2]:x2}:{b[3]:x2}:{b[4]:x2}:{b[5]:x2}";
    }
}
