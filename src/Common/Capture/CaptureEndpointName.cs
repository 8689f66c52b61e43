using System.Buffers.Binary;
using System.Text;

namespace Overlay.Common.Capture;

/// <summary>
/// An endpoint-name record's body: kind (1 octet), id (4 octets, big-endian), the name as UTF-8 (the rest, at most
/// <see cref="MaxNameBytes"/>). The daemon sends one before the first frame that refers to the endpoint, and again
/// when the name behind an id changed (a port detached and another attached in its slot).
/// </summary>
internal readonly record struct CaptureEndpointName(CaptureEndpointRef Endpoint, string Name)
{
    public const int FixedLength = 5;

    /// <summary>Port and peer names are policy and config names: far shorter than this.</summary>
    public const int MaxNameBytes = 256;

    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static bool TryParse(ReadOnlySpan<byte> source, out CaptureEndpointName record)
    {
        record = default;
        if (source.Length < FixedLength || source.Length > FixedLength + MaxNameBytes || !CaptureEndpointRef.IsKnownKind(source[0]))
        {
            return false;
        }

        string name;
        try
        {
            name = Strict.GetString(source[FixedLength..]);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }

        record = new CaptureEndpointName(new CaptureEndpointRef((CaptureEndpointKind)source[0], BinaryPrimitives.ReadUInt32BigEndian(source[1..])), name);
        return true;
    }

    /// <summary>The body's length: the name cut (at a character boundary) to <see cref="MaxNameBytes"/>.</summary>
    public int BodyLength => FixedLength + NameBytes(Name).Length;

    public int Write(Span<byte> destination)
    {
        destination[0] = (byte)Endpoint.Kind;
        BinaryPrimitives.WriteUInt32BigEndian(destination[1..], Endpoint.Id);
        ReadOnlySpan<byte> name = NameBytes(Name);
        name.CopyTo(destination[FixedLength..]);
        return FixedLength + name.Length;
    }

    private static ReadOnlySpan<byte> NameBytes(string name)
    {
        byte[] bytes = Strict.GetBytes(name);
        if (bytes.Length <= MaxNameBytes)
        {
            return bytes;
        }

        int cut = MaxNameBytes;
        while (cut > 0 && (bytes[cut] & 0xC0) == 0x80)
        {
            cut--; // not inside a character
        }

        return bytes.AsSpan(0, cut);
    }
}
