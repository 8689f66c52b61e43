using Overlay.Ike.Encoding.Payloads;

namespace Overlay.Ike.Encoding.Messages;

/// <summary>
/// Walks and writes a chain of payloads linked by Next Payload (RFC 7296 §3.2). The same code
/// reads the plaintext part of a message and the decrypted content of an SK payload.
/// Termination: every payload consumes at least its 4-octet header, so the walk ends within
/// length/4 steps whatever the peer sends.
/// </summary>
public static class PayloadChain
{
    /// <summary>
    /// Parses payloads starting with type <paramref name="first"/> until Next Payload is 0. An SK
    /// or SKF payload must be the last one and must reach the end of <paramref name="data"/>
    /// (§3.14, RFC 7383 §2.5). Unknown payloads are kept; one with the critical bit set fails
    /// with UNSUPPORTED_CRITICAL_PAYLOAD after the whole chain was read.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> data, IkePayloadType first, List<IIkePayload> into, out IkeParseError error)
    {
        var r = new IkeReader(data);
        var next = first;
        var critical = IkeParseError.None;
        while (next != IkePayloadType.NoNextPayload)
        {
            var type = next;
            if (!PayloadHeader.TryRead(ref r, type, out var header) || !r.TrySlice(header.PayloadLength - IkeConstants.GenericPayloadHeaderLength, out var body))
            {
                error = r.Error;
                return false;
            }

            next = header.NextPayload;
            if (type is IkePayloadType.Encrypted or IkePayloadType.EncryptedFragment && !r.IsEmpty)
            {
                error = IkeParseError.Syntax("SK/SKF payload is not the last payload", type);
                return false;
            }

            if (!TryReadBody(type, header, ref body, out var payload))
            {
                error = body.Error;
                return false;
            }

            if (payload is UnknownPayload { IsCritical: true } && !critical.IsError)
            {
                critical = payload.Validate();
            }

            into.Add(payload);
            if (type is IkePayloadType.Encrypted or IkePayloadType.EncryptedFragment)
            {
                next = IkePayloadType.NoNextPayload; // the SK header's Next Payload names the inner chain
            }
        }

        if (!r.IsEmpty)
        {
            error = IkeParseError.Syntax("octets after the last payload");
            return false;
        }

        error = critical;
        return !critical.IsError;
    }

    private static bool TryReadBody(IkePayloadType type, PayloadHeader header, ref IkeReader body, out IIkePayload payload)
    {
        payload = null!;
        bool ok;
        switch (type)
        {
            case IkePayloadType.SecurityAssociation: ok = Read<SecurityAssociationPayload>(ref body, out payload); break;
            case IkePayloadType.KeyExchange: ok = Read<KeyExchangePayload>(ref body, out payload); break;
            case IkePayloadType.IdInitiator or IkePayloadType.IdResponder:
                ok = IdentificationPayload.TryRead(ref body, type == IkePayloadType.IdInitiator, out var id);
                payload = id;
                break;
            case IkePayloadType.Certificate: ok = Read<CertificatePayload>(ref body, out payload); break;
            case IkePayloadType.CertificateRequest: ok = Read<CertificateRequestPayload>(ref body, out payload); break;
            case IkePayloadType.Authentication: ok = Read<AuthenticationPayload>(ref body, out payload); break;
            case IkePayloadType.Nonce: ok = Read<NoncePayload>(ref body, out payload); break;
            case IkePayloadType.Notify: ok = Read<NotifyPayload>(ref body, out payload); break;
            case IkePayloadType.Delete: ok = Read<DeletePayload>(ref body, out payload); break;
            case IkePayloadType.VendorId: ok = Read<VendorIdPayload>(ref body, out payload); break;
            case IkePayloadType.TrafficSelectorInitiator or IkePayloadType.TrafficSelectorResponder:
                ok = TrafficSelectorPayload.TryRead(ref body, type == IkePayloadType.TrafficSelectorInitiator, out var ts);
                payload = ts;
                break;
            case IkePayloadType.Encrypted:
                ok = EncryptedPayload.TryRead(ref body, out var sk);
                payload = sk with { FirstInnerPayload = header.NextPayload };
                break;
            case IkePayloadType.EncryptedFragment:
                ok = EncryptedFragmentPayload.TryRead(ref body, out var skf);
                payload = ok ? skf with { FirstInnerPayload = header.NextPayload } : null!;
                break;
            case IkePayloadType.Configuration: ok = Read<ConfigurationPayload>(ref body, out payload); break;
            default:
                payload = new UnknownPayload(type, header.Critical, body.ReadToEnd().ToArray());
                ok = true;
                break;
        }

        return ok;
    }

    private static bool Read<T>(ref IkeReader body, out IIkePayload payload) where T : IIkePayload<T>
    {
        var ok = T.TryRead(ref body, out var value);
        payload = value;
        return ok;
    }

    /// <summary>Octets of the chain: each payload's body plus its generic header.</summary>
    public static int GetEncodedLength(IReadOnlyList<IIkePayload> payloads)
    {
        var length = 0;
        foreach (var p in payloads)
        {
            length += IkeConstants.GenericPayloadHeaderLength + p.GetEncodedLength();
        }

        return length;
    }

    /// <summary>The value for the Next Payload field that precedes the chain.</summary>
    public static IkePayloadType FirstType(IReadOnlyList<IIkePayload> payloads)
        => payloads.Count == 0 ? IkePayloadType.NoNextPayload : payloads[0].PayloadType;

    /// <summary>Writes the chain, linking Next Payload fields; SK/SKF link to their inner chain instead.</summary>
    public static void Write(ref IkeWriter w, IReadOnlyList<IIkePayload> payloads)
    {
        for (var i = 0; i < payloads.Count; i++)
        {
            var p = payloads[i];
            var next = p switch
            {
                EncryptedPayload sk => sk.FirstInnerPayload,
                EncryptedFragmentPayload skf => skf.FirstInnerPayload,
                _ => i + 1 < payloads.Count ? payloads[i + 1].PayloadType : IkePayloadType.NoNextPayload,
            };
            PayloadHeader.Write(ref w, next, p.Critical, IkeConstants.GenericPayloadHeaderLength + p.GetEncodedLength());
            var start = w.Position;
            p.Write(ref w);
            if (w.Position - start != p.GetEncodedLength())
            {
                ThrowLengthMismatch(p.PayloadType);
            }
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowLengthMismatch(IkePayloadType type)
        => throw new InvalidOperationException($"{type}: Write() produced a different length than GetEncodedLength().");
}
