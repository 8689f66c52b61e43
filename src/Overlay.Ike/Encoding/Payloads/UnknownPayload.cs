namespace Overlay.Ike.Encoding.Payloads;

/// <summary>
/// A payload whose type this implementation does not process (RFC 7296 §3.2). Its body is
/// kept so the message round-trips. When the sender set the critical bit the message must
/// be rejected with UNSUPPORTED_CRITICAL_PAYLOAD carrying the payload type (§2.5, §3.10.1);
/// <see cref="Validate"/> reports exactly that.
/// </summary>
public sealed record UnknownPayload(IkePayloadType Type, bool IsCritical, byte[] Body) : IIkePayload
{
    public IkePayloadType PayloadType => Type;

    public bool Critical => IsCritical;

    public int GetEncodedLength() => Body.Length;

    public void Write(ref IkeWriter w) => w.WriteBytes(Body);

    public IkeParseError Validate()
        => IsCritical
            ? new IkeParseError(NotifyType.UnsupportedCriticalPayload, "unsupported payload with the critical bit set", Type)
            : IkeParseError.None;
}
