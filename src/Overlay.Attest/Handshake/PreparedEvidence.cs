namespace Overlay.Attest.Handshake;

/// <summary>
/// Evidence ready for one verifier's challenge: the <see cref="Bundle"/> to send, and <see cref="Sign"/> to bind it
/// to a handshake with the quote's ephemeral key K_e. Several handshakes may share one instance (and one quote).
/// </summary>
public sealed class PreparedEvidence
{
    private readonly PreparedQuote _quote;

    internal PreparedEvidence(PreparedQuote quote, byte[] bundle)
    {
        _quote = quote;
        Bundle = bundle;
    }

    /// <summary>The encoded <see cref="EvidenceBundle"/>.</summary>
    public byte[] Bundle { get; }

    /// <summary>The attester's number of the quote this evidence carries (1, 2, ... in quote order).</summary>
    public long QuoteSerial => _quote.Serial;

    public DateTimeOffset QuotedAt => _quote.QuotedAt;

    /// <summary>When K_e is disposed (quote time + <see cref="AttesterOptions.EvidenceLifetime"/>).</summary>
    public DateTimeOffset ExpiresAt => _quote.ExpiresAt;

    /// <summary>
    /// Signs the protocol's binding octets (opaque here: for IKE, the RFC 7296 §2.15 signed octets plus a context)
    /// with K_e: DER-encoded ECDSA P-256 / SHA-256, as RFC 7427 carries it. Throws
    /// <see cref="ObjectDisposedException"/> after <see cref="ExpiresAt"/>, when K_e is gone.
    /// </summary>
    public byte[] Sign(ReadOnlySpan<byte> bindingOctets) => _quote.Sign(bindingOctets);
}
