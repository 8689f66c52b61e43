namespace Overlay.Ike.Encoding;

/// <summary>
/// One IKEv2 payload body: everything after the 4-octet generic payload header
/// (<see cref="PayloadHeader"/>). The message layer writes that header, chaining Next Payload
/// from the payload order, so a payload never needs to know its successor.
/// </summary>
public interface IIkePayload
{
    /// <summary>The payload type number written in the previous Next Payload field.</summary>
    IkePayloadType PayloadType { get; }

    /// <summary>The critical bit as received (or to send); only meaningful for payloads we do not understand.</summary>
    bool Critical => false;

    /// <summary>Octets of the body, excluding the generic payload header.</summary>
    int GetEncodedLength();

    /// <summary>Writes the body (not the generic header) into exactly <see cref="GetEncodedLength"/> octets.</summary>
    void Write(ref IkeWriter w);

    /// <summary>Semantic checks beyond framing (strongSwan's verify()); <see cref="IkeParseError.None"/> when valid.</summary>
    IkeParseError Validate();
}

/// <summary>Payloads whose body can be read without knowing which payload type slot they came in.</summary>
public interface IIkePayload<TSelf> : IIkePayload where TSelf : IIkePayload<TSelf>
{
    /// <summary>Reads a body from a reader that spans exactly the payload body.</summary>
    static abstract bool TryRead(ref IkeReader r, out TSelf value);
}
