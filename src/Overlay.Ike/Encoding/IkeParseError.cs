namespace Overlay.Ike.Encoding;

/// <summary>
/// Why a message could not be accepted, as a value: the notify to answer with (when the
/// rules say one is sent) and a fixed reason for logs. Parsing never throws; it returns one of these
/// (convention 10, like BouncyCastle's TlsFatalAlert but without the exception).
/// </summary>
/// <param name="Notify">The error notify RFC 7296 says to send (e.g. INVALID_SYNTAX).</param>
/// <param name="Reason">A constant, human-readable reason; never built from peer data.</param>
/// <param name="PayloadType">The payload type being parsed, or <see cref="IkePayloadType.NoNextPayload"/> for the header.</param>
public readonly record struct IkeParseError(NotifyType Notify, string Reason, IkePayloadType PayloadType = IkePayloadType.NoNextPayload)
{
    /// <summary>No error.</summary>
    public static IkeParseError None => default;

    /// <summary>True when this value describes a failure.</summary>
    public bool IsError => Reason is not null;

    /// <summary>True when RFC 7296 says to answer with <see cref="Notify"/>; false for silent drops.</summary>
    public bool SendsNotify => IsError && Notify != NotifyType.None;

    /// <summary>A failure that is dropped without any answer (e.g. an ICV mismatch, RFC 7296 §2.21.1).</summary>
    public static IkeParseError SilentDrop(string reason, IkePayloadType payload = IkePayloadType.NoNextPayload)
        => new(NotifyType.None, reason, payload);

    /// <summary>A malformed structure (RFC 7296 §3.10.1 INVALID_SYNTAX).</summary>
    public static IkeParseError Syntax(string reason, IkePayloadType payload = IkePayloadType.NoNextPayload)
        => new(NotifyType.InvalidSyntax, reason, payload);

    public override string ToString()
        => IsError ? $"{Notify}: {Reason} (payload {PayloadType})" : "no error";
}
