using Overlay.Ike.Encoding.Payloads;

namespace Overlay.Ike.Encoding.Messages;

/// <summary>
/// An IKE message: the header and the payload chain as it travels (RFC 7296 §3). For a
/// protected message the chain ends with the SK (or SKF) payload whose body is still
/// ciphertext; the Crypto layer's protectors turn it into <see cref="IkeMessage"/> plaintext
/// payloads and back. Header Length and every Next Payload are computed when writing.
/// </summary>
public sealed class IkeMessage
{
    private readonly List<IIkePayload> _payloads;

    public IkeMessage(IkeHeader header, IReadOnlyList<IIkePayload> payloads)
    {
        Header = header;
        _payloads = [.. payloads];
    }

    public IkeHeader Header { get; }

    public IReadOnlyList<IIkePayload> Payloads => _payloads;

    /// <summary>Appends a payload; tasks fill an outgoing message this way and the sender orders them (MessageRules).</summary>
    public void Add(IIkePayload payload) => _payloads.Add(payload);

    /// <summary>All payloads of type <typeparamref name="T"/>.</summary>
    public IEnumerable<T> FindAll<T>() where T : class, IIkePayload => _payloads.OfType<T>();

    public bool IsResponse => Header.IsResponse;

    /// <summary>
    /// Parses a whole IKE datagram (without the non-ESP marker, which the owner of port 4500 strips).
    /// The header's Length must equal the datagram length. Never throws on peer data.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> datagram, out IkeMessage message, out IkeParseError error)
    {
        message = null!;
        var r = new IkeReader(datagram);
        if (!IkeHeader.TryRead(ref r, out var header))
        {
            error = r.Error;
            return false;
        }

        if (header.Length != datagram.Length)
        {
            error = IkeParseError.Syntax("IKE header length does not match the datagram length");
            return false;
        }

        var payloads = new List<IIkePayload>();
        if (!PayloadChain.TryParse(r.RemainingSpan, header.NextPayload, payloads, out error))
        {
            return false;
        }

        message = new IkeMessage(header, payloads);
        return true;
    }

    public int GetEncodedLength() => IkeConstants.HeaderLength + PayloadChain.GetEncodedLength(Payloads);

    /// <summary>Writes the message; returns the octets written.</summary>
    public int Write(Span<byte> destination)
    {
        var length = GetEncodedLength();
        var w = new IkeWriter(destination[..length]);
        var header = Header with { NextPayload = PayloadChain.FirstType(Payloads), Length = (uint)length };
        header.Write(ref w);
        PayloadChain.Write(ref w, Payloads);
        return length;
    }

    public byte[] ToArray()
    {
        var bytes = new byte[GetEncodedLength()];
        Write(bytes);
        return bytes;
    }

    /// <summary>The first payload of type <typeparamref name="T"/>, or null.</summary>
    public T? Find<T>() where T : class, IIkePayload => Payloads.OfType<T>().FirstOrDefault();

    /// <summary>The first notify of <paramref name="type"/>, or null.</summary>
    public NotifyPayload? FindNotify(NotifyType type) => Payloads.OfType<NotifyPayload>().FirstOrDefault(n => n.Type == type);

    public EncryptedPayload? Encrypted => Payloads.Count > 0 ? Payloads[^1] as EncryptedPayload : null;

    public override string ToString()
        => $"{Header.ExchangeType} {(IsResponse ? "response" : "request")} {Header.MessageId} [{string.Join(' ', Payloads.Select(p => p.PayloadType))}]";
}
