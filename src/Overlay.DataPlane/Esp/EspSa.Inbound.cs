using System.Security.Cryptography;
using Overlay.DataPlane.Sa;

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
    /// or allocates for bad input; each failure is a result and a count.
    /// </para>
    /// Not thread-safe: called by the SA's one receive stage.
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

        try
        {
            _aead.Decrypt(nonce, ciphertext, tag, plaintext, aad[..aadLength]);
            return EspOpenResult.Ok;
        }
        catch (CryptographicException)
        {
            // AesGcm reports a wrong tag only by AuthenticationTagMismatchException; this is the one
            // path where a bad packet costs an exception object.
            return EspOpenResult.AuthFailed;
        }
        catch (ObjectDisposedException)
        {
            return EspOpenResult.SaExpired;
        }
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
