namespace Overlay.Ike.Encoding.Payloads;

/// <summary>
/// Configuration payload, CP (RFC 7296 §3.15), with its attributes (§3.15.1).
/// <code>
///                      1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Next Payload  |C| RESERVED    |         Payload Length        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   CFG Type    |                    RESERVED                   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                   Configuration Attributes                    ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///
/// attribute:
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |R|         Attribute Type      |            Length             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                             Value                             ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public sealed record ConfigurationPayload(ConfigurationType ConfigType, IReadOnlyList<ConfigurationAttribute> Attributes)
    : IIkePayload<ConfigurationPayload>
{
    public IkePayloadType PayloadType => IkePayloadType.Configuration;

    public int GetEncodedLength() => 4 + Attributes.Sum(a => 4 + a.Value.Length);

    public static bool TryRead(ref IkeReader r, out ConfigurationPayload value)
    {
        value = null!;
        if (!r.TryReadByte(out var type) || !r.TrySkip(3))
        {
            return r.Fail("truncated CP payload", IkePayloadType.Configuration);
        }

        var attributes = new List<ConfigurationAttribute>();
        while (!r.IsEmpty)
        {
            if (!r.TryReadUInt16(out var attrType) || !r.TryReadUInt16(out var length) || !r.TryReadBytes(length, out var data))
            {
                return r.Fail("configuration attribute runs past the payload", IkePayloadType.Configuration);
            }
            // The R bit is reserved; it is kept so the payload round-trips.
            attributes.Add(new ConfigurationAttribute(attrType, data.ToArray()));
        }

        value = new ConfigurationPayload((ConfigurationType)type, attributes);
        return true;
    }

    public void Write(ref IkeWriter w)
    {
        w.WriteByte((byte)ConfigType);
        w.WriteZeros(3);
        foreach (var a in Attributes)
        {
            w.WriteUInt16(a.RawType);
            w.WriteUInt16(checked((ushort)a.Value.Length));
            w.WriteBytes(a.Value);
        }
    }

    public IkeParseError Validate()
        => ConfigType is >= ConfigurationType.Request and <= ConfigurationType.Ack
            ? IkeParseError.None
            : IkeParseError.Syntax("unknown CFG type", IkePayloadType.Configuration);
}

/// <summary>A configuration attribute (RFC 7296 §3.15.1); <see cref="RawType"/> includes the reserved R bit.</summary>
public sealed record ConfigurationAttribute(ushort RawType, byte[] Value)
{
    public ushort AttributeType => (ushort)(RawType & 0x7FFF);
}
