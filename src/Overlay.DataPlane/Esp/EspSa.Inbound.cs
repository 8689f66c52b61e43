using Overlay.DataPlane.Esp.Crypto;

namespace Overlay.DataPlane.Esp;

public sealed partial class EspSa
{
    /// <summary>
    /// Verifies and decrypts one ESP packet of this SA (the caller found the SA by SPI) into
    /// <paramref name="inner"/>, which may be the packet's own bytes from offset 16 (in-place) or a
    /// separate buffer of at least <c>esp.Length - 32</c> bytes.
    /// <para>
    /// Order (RFC 4303 §3.4): lengths → SPI → replay check → ICV and decryption → window update
    /// (only now, so forgeries cannot move the window) → padding → next header. Nothing here throws
    /// or allocates for bad input, a forged ICV included; each failure is a result and a count.
    /// </para>
    /// Thread-safe: several receive threads may open on one SA.
    /// </summary>
    public EspOpenResult TryOpen(ReadOnlySpan<byte> esp, Span<byte> inner, out int innerLength, out byte nextHeader)
    {
        innerLength = 0;
        nextHeader = 0;
        if (Window is not { } window)
        {
            return EspOpenResult.WrongDirection;
        }

        if (IsExpired)
        {
            return FailOpen(EspOpenResult.SaExpired);
        }

        if (esp.Length < EspConstants.MinPacketSize)
        {
            return FailOpen(EspOpenResult.Truncated);
        }

        int ciphertextLength = esp.Length - EspConstants.PayloadOffset - EspConstants.GcmIcvSize;
        if (ciphertextLength % EspConstants.PayloadAlignment != 0)
        {
            return FailOpen(EspOpenResult.Malformed);
        }

        EspHeader.TryParse(esp, out EspHeader header);
        if (header.Spi != Spi)
        {
            return FailOpen(EspOpenResult.UnknownSpi);
        }

        // The window takes concurrent callers without a lock (Replay/ReplayWindow.cs): openers on several
        // threads decrypt in parallel; two copies of one packet may both pass this check, and only the
        // first to mark the window below is accepted.
        ulong sequence = _esn ? window.InferEsn(header.SequenceLow) : header.SequenceLow;
        if (!window.CanAccept(sequence))
        {
            return FailOpen(EspOpenResult.Replay);
        }

        ReadOnlySpan<byte> ciphertext = esp.Slice(EspConstants.PayloadOffset, ciphertextLength);
        if (inner.Length < ciphertextLength || OverlapsPartially(ciphertext, inner))
        {
            return FailOpen(EspOpenResult.BufferTooSmall);
        }

        Span<byte> plaintext = inner[..ciphertextLength];
        EspOpenResult decrypted = Decrypt(esp, ciphertext, sequence, plaintext);
        if (decrypted != EspOpenResult.Ok)
        {
            return FailOpen(decrypted);
        }

        if (!window.MarkAuthenticated(sequence))
        {
            return FailOpen(EspOpenResult.Replay);
        }

        int padLength = plaintext[^2];
        byte next = plaintext[^1];
        int payloadLength = ciphertextLength - EspConstants.TrailerSize - padLength;
        if (payloadLength < 0 || !IsMonotonicPadding(plaintext.Slice(payloadLength, padLength)))
        {
            return FailOpen(EspOpenResult.BadPadding);
        }

        OnPacketProcessed(payloadLength, sequence: 0);
        if (next == EspConstants.NextHeaderNone)
        {
            return EspOpenResult.Dummy;
        }

        if (!AcceptsNextHeader(next))
        {
            return FailOpen(EspOpenResult.BadNextHeader);
        }

        innerLength = payloadLength;
        nextHeader = next;
        return EspOpenResult.Ok;
    }

    /// <summary>
    /// After <see cref="TryOpen"/> accepted a packet: true when it was the newest this SA has authenticated (its
    /// sequence number is the window's top), i.e. not an older packet that arrived late. What the RFC 7296 §2.23
    /// address update needs ("only in response to a new packet"). False on an outbound SA.
    /// </summary>
    public bool IsNewest(uint sequenceLow)
    {
        return Window is { } window && (uint)window.Top == sequenceLow;
    }

    /// <summary>True when this SA's inner mode carries <paramref name="nextHeader"/>.</summary>
    public bool AcceptsNextHeader(byte nextHeader) => InnerMode switch
    {
        InnerMode.EtherIp => nextHeader == EspConstants.NextHeaderEtherIp,
        InnerMode.Ip => nextHeader is EspConstants.NextHeaderIPv4 or EspConstants.NextHeaderIPv6,
        _ => false,
    };

    private EspOpenResult Decrypt(ReadOnlySpan<byte> esp, ReadOnlySpan<byte> ciphertext, ulong sequence, Span<byte> plaintext)
    {
        Span<byte> nonce = stackalloc byte[EspConstants.GcmNonceSize];
        Span<byte> aad = stackalloc byte[EspConstants.AadSizeEsn];
        WriteNonce(nonce, esp.Slice(EspConstants.HeaderSize, EspConstants.GcmIvSize));
        int aadLength = WriteAad(aad, sequence);
        ReadOnlySpan<byte> tag = esp.Slice(EspConstants.PayloadOffset + ciphertext.Length, EspConstants.GcmIcvSize);

        // A forged ICV is a result, not an exception: no allocation on any bad packet.
        return _aead.Open(nonce, aad[..aadLength], ciphertext, tag, plaintext) switch
        {
            AeadResult.Ok => EspOpenResult.Ok,
            AeadResult.Disposed => EspOpenResult.SaExpired, // removed while this packet was in flight
            _ => EspOpenResult.AuthFailed,
        };
    }

    /// <summary>Pad bytes must read 1, 2, 3, ... (RFC 4303 §2.4, default padding scheme).</summary>
    private static bool IsMonotonicPadding(ReadOnlySpan<byte> padding)
    {
        for (int i = 0; i < padding.Length; i++)
        {
            if (padding[i] != (byte)(i + 1))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>AES-GCM decrypts in place only when plaintext and ciphertext start at the same byte.</summary>
    private static bool OverlapsPartially(ReadOnlySpan<byte> ciphertext, Span<byte> inner) =>
        ciphertext.Overlaps(inner, out int offset) && offset != 0;

    private EspOpenResult FailOpen(EspOpenResult result)
    {
        Drops.Increment(result.ToDropReason());
        return result;
    }
}
