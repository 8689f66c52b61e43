using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Overlay.DataPlane.Counters;
using Overlay.DataPlane.Esp.Crypto;
using Overlay.DataPlane.Sequence;

namespace Overlay.DataPlane.Esp;

public sealed partial class EspSa
{
    // The counter (null for an inbound SA): fresh from 1, or a static key's, which continues across restarts.
    private readonly OutboundSequence? _sequence;

    /// <summary>The last sequence number handed out (0 before the first packet; always 0 inbound).</summary>
    public ulong LastSequence => _sequence?.Last ?? 0;

    /// <summary>The outbound SA's counter (null inbound): how far it is durably reserved, for a static key.</summary>
    public OutboundSequence? OutboundSequence => _sequence;

    /// <summary>Pad bytes needed so that payload + padding + trailer ends on 4 bytes, RFC 4303 §2.4.</summary>
    public static int GetPadLength(int innerLength) =>
        (EspConstants.PayloadAlignment - ((innerLength + EspConstants.TrailerSize) % EspConstants.PayloadAlignment))
        % EspConstants.PayloadAlignment;

    /// <summary>Bytes <see cref="Seal"/> writes for an inner payload of <paramref name="innerLength"/> bytes.</summary>
    public static int GetSealedLength(int innerLength) =>
        EspConstants.PayloadOffset + innerLength + GetPadLength(innerLength) + EspConstants.TrailerSize + EspConstants.GcmIcvSize;

    /// <summary>Seals one packet; see <see cref="Seal"/>.</summary>
    public bool TrySeal(ReadOnlySpan<byte> inner, byte nextHeader, Span<byte> output, out int written) =>
        Seal(inner, nextHeader, output, out written) == EspSealStatus.Ok;

    /// <summary>
    /// Writes SPI | seq | IV | AES-GCM(inner | pad | pad length | next header) | ICV into
    /// <paramref name="output"/>. The IV is the 64-bit sequence number (unique per SA, RFC 4106 §3.1).
    /// <paramref name="inner"/> may already sit at <c>output[16..]</c> (built in place in the packet
    /// buffer's headroom); it is then encrypted where it lies. Any other overlap with
    /// <paramref name="output"/> is allowed too (the payload is moved before the header is written).
    /// <para>
    /// Thread-safe: several threads may seal on one SA; each packet gets a unique sequence number,
    /// though packets of concurrent callers may reach the wire out of sequence order (the peer's
    /// replay window accepts reordering within its size). With a static key's counter, a number that
    /// is not durably reserved yet is never used: the packet is dropped (<see cref="EspSealStatus.SequenceNotReserved"/>).
    /// </para>
    /// </summary>
    public EspSealStatus Seal(ReadOnlySpan<byte> inner, byte nextHeader, Span<byte> output, out int written)
    {
        written = 0;
        if (Direction != SaDirection.Outbound)
        {
            return EspSealStatus.WrongDirection;
        }

        if (IsExpired)
        {
            return FailSeal(EspSealStatus.SaExpired);
        }

        if (output.Length < GetSealedLength(inner.Length))
        {
            return FailSeal(EspSealStatus.BufferTooSmall);
        }

        SequenceTake take = _sequence!.TryNext(out ulong sequence);
        if (take != SequenceTake.Ok)
        {
            if (take == SequenceTake.NotReserved)
            {
                return FailSeal(EspSealStatus.SequenceNotReserved);
            }

            // The counter must never cycle (RFC 4303 §3.3.3): the SA ends here.
            Expire(SaLimit.SequenceSpace);
            return FailSeal(EspSealStatus.SaExpired);
        }

        EspSealStatus status = SealCore(sequence, sequence, inner, nextHeader, output, out written);
        if (status == EspSealStatus.Ok)
        {
            OnPacketProcessed(inner.Length, sequence);
        }

        return status;
    }

    /// <summary>
    /// Seals with an explicit sequence number and IV. Only tests reach this (published vectors use
    /// IVs that are not the sequence number); production always goes through <see cref="Seal"/>.
    /// </summary>
    internal EspSealStatus SealCore(ulong sequence, ulong iv, ReadOnlySpan<byte> inner, byte nextHeader, Span<byte> output, out int written)
    {
        int padLength = GetPadLength(inner.Length);
        int ciphertextLength = inner.Length + padLength + EspConstants.TrailerSize;
        written = 0;

        // Move the payload first: if the caller's inner overlaps the header area, it is read before
        // the header overwrites it (CopyTo has memmove semantics). Already in place: nothing to move.
        Span<byte> plaintext = output.Slice(EspConstants.PayloadOffset, ciphertextLength);
        if (!Unsafe.AreSame(ref Unsafe.AsRef(in inner.GetPinnableReference()), ref plaintext.GetPinnableReference()))
        {
            inner.CopyTo(plaintext);
        }

        WriteTrailer(plaintext[inner.Length..], padLength, nextHeader);
        new EspHeader(Spi, (uint)sequence).TryWrite(output);
        Span<byte> ivField = output.Slice(EspConstants.HeaderSize, EspConstants.GcmIvSize);
        BinaryPrimitives.WriteUInt64BigEndian(ivField, iv);

        Span<byte> nonce = stackalloc byte[EspConstants.GcmNonceSize];
        Span<byte> aad = stackalloc byte[EspConstants.AadSizeEsn];
        WriteNonce(nonce, ivField);
        int aadLength = WriteAad(aad, sequence);
        Span<byte> tag = output.Slice(EspConstants.PayloadOffset + ciphertextLength, EspConstants.GcmIcvSize);

        if (_aead.Seal(nonce, aad[..aadLength], plaintext, plaintext, tag) == AeadResult.Disposed)
        {
            // Removed while this packet was in flight.
            return FailSeal(EspSealStatus.SaExpired);
        }

        written = EspConstants.PayloadOffset + ciphertextLength + EspConstants.GcmIcvSize;
        return EspSealStatus.Ok;
    }

    /// <summary>Sets the counter so the next packet carries <paramref name="last"/> + 1 (tests of ESN rollover and exhaustion).</summary>
    internal void PrimeOutboundSequence(ulong last) => _sequence!.Prime(last);

    /// <summary>Padding 1, 2, 3, ... then Pad Length and Next Header, RFC 4303 §2.4–2.6.</summary>
    private static void WriteTrailer(Span<byte> trailer, int padLength, byte nextHeader)
    {
        for (int i = 0; i < padLength; i++)
        {
            trailer[i] = (byte)(i + 1);
        }

        trailer[padLength] = (byte)padLength;
        trailer[padLength + 1] = nextHeader;
    }

    private EspSealStatus FailSeal(EspSealStatus status)
    {
        Drops.Increment(status.ToDropReason());
        return status;
    }
}
