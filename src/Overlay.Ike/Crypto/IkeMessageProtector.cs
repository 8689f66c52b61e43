using Overlay.Ike.Encoding;
using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Encoding.Payloads;

namespace Overlay.Ike.Crypto;

/// <summary>
/// Builds and opens protected IKE messages for one IKE SA: payloads go into an SK payload
/// encrypted with this side's keys; received SK/SKF payloads are checked and decrypted with
/// the peer's keys (RFC 7296 §3.14: the initiator sends with SK_ei/SK_ai, the responder with
/// SK_er/SK_ar).
/// </summary>
public sealed class IkeMessageProtector : IDisposable
{
    private readonly SkCipher _outbound;
    private readonly SkCipher _inbound;
    private readonly IIkeRandom _random;

    public IkeMessageProtector(IkeCipherSuite suite, IkeKeyMaterial keys, bool isOriginalInitiator, IIkeRandom random)
    {
        var (sendEncr, sendInteg, recvEncr, recvInteg) = isOriginalInitiator
            ? (keys.SkEi, keys.SkAi, keys.SkEr, keys.SkAr)
            : (keys.SkEr, keys.SkAr, keys.SkEi, keys.SkAi);
        _outbound = SkCipher.Create(suite, sendEncr, sendInteg);
        _inbound = SkCipher.Create(suite, recvEncr, recvInteg);
        _random = random;
    }

    /// <summary>
    /// Serializes <paramref name="header"/> + SK { <paramref name="inner"/> } and protects it.
    /// Header Length and Next Payload are filled in here.
    /// </summary>
    public byte[] Protect(IkeHeader header, IReadOnlyList<IIkePayload> inner)
    {
        var plaintextLength = PayloadChain.GetEncodedLength(inner);
        var skBodyLength = _outbound.GetProtectedLength(plaintextLength);
        var ivOffset = IkeConstants.HeaderLength + IkeConstants.GenericPayloadHeaderLength;
        var total = ivOffset + skBodyLength;
        var message = new byte[total];
        var w = new IkeWriter(message);
        (header with { NextPayload = IkePayloadType.Encrypted, Length = (uint)total }).Write(ref w);
        PayloadHeader.Write(ref w, PayloadChain.FirstType(inner), false, IkeConstants.GenericPayloadHeaderLength + skBodyLength);
        w.Reserve(_outbound.IvLength);
        PayloadChain.Write(ref w, inner);
        var padded = _outbound.PaddedLength(plaintextLength);
        var padLength = padded - plaintextLength - 1;
        w.WriteZeros(padLength);
        w.WriteByte((byte)padLength);
        Span<byte> iv = stackalloc byte[_outbound.IvLength];
        _random.Fill(iv);
        _outbound.Encrypt(message, ivOffset, iv);
        return message;
    }

    /// <summary>
    /// Opens the SK payload of <paramref name="message"/> (parsed from <paramref name="datagram"/>)
    /// and parses its inner payload chain.
    /// </summary>
    public bool TryUnprotect(ReadOnlySpan<byte> datagram, IkeMessage message, out List<IIkePayload> inner, out IkeParseError error)
    {
        inner = [];
        if (message.Encrypted is not { } sk)
        {
            error = IkeParseError.Syntax("message has no SK payload", IkePayloadType.Encrypted);
            return false;
        }

        if (!_inbound.TryDecrypt(datagram, datagram.Length - sk.Body.Length, out var plaintext, out error))
        {
            return false;
        }

        return PayloadChain.TryParse(plaintext, sk.FirstInnerPayload, inner, out error);
    }

    /// <summary>
    /// The length of <see cref="Protect"/>'s output for <paramref name="inner"/>, without building
    /// it: decides whether a message must be fragmented.
    /// </summary>
    public int GetProtectedMessageLength(IReadOnlyList<IIkePayload> inner)
        => IkeConstants.HeaderLength + IkeConstants.GenericPayloadHeaderLength + _outbound.GetProtectedLength(PayloadChain.GetEncodedLength(inner));

    /// <summary>
    /// Splits <paramref name="inner"/> into SKF fragments of at most <paramref name="maxMessageLength"/>
    /// octets each (RFC 7383 §2.5): the serialized inner chain is cut into pieces, and every piece is
    /// protected on its own, with the same header (Message ID) and an SKF header carrying Fragment
    /// Number and Total Fragments. Only fragment 1 names the first inner payload; the others say 0.
    /// Returns an empty list when not even one octet of content fits.
    /// </summary>
    public List<byte[]> ProtectFragments(IkeHeader header, IReadOnlyList<IIkePayload> inner, int maxMessageLength, int maxFragments = IkeConstants.MaxFragments)
    {
        var fragments = new List<byte[]>();
        var fixedLength = IkeConstants.HeaderLength + IkeConstants.GenericPayloadHeaderLength + IkeConstants.FragmentHeaderLength;
        var room = maxMessageLength - fixedLength - _outbound.IvLength - _outbound.IcvLength;
        var chunk = room / _outbound.BlockSize * _outbound.BlockSize - 1; // minus the pad length octet
        var content = new byte[PayloadChain.GetEncodedLength(inner)];
        var cw = new IkeWriter(content);
        PayloadChain.Write(ref cw, inner);
        var total = chunk < 1 ? 0 : (content.Length + chunk - 1) / chunk;
        if (total is 0 || total > Math.Min(maxFragments, IkeConstants.MaxFragmentsCeiling))
        {
            return fragments;
        }

        for (var i = 0; i < total; i++)
        {
            var piece = content.AsSpan(i * chunk, Math.Min(chunk, content.Length - (i * chunk)));
            var first = i == 0 ? PayloadChain.FirstType(inner) : IkePayloadType.NoNextPayload;
            fragments.Add(ProtectFragment(header, piece, first, (ushort)(i + 1), (ushort)total));
        }

        return fragments;
    }

    private byte[] ProtectFragment(IkeHeader header, ReadOnlySpan<byte> piece, IkePayloadType first, ushort number, ushort total)
    {
        var bodyLength = IkeConstants.FragmentHeaderLength + _outbound.GetProtectedLength(piece.Length);
        var ivOffset = IkeConstants.HeaderLength + IkeConstants.GenericPayloadHeaderLength + IkeConstants.FragmentHeaderLength;
        var length = IkeConstants.HeaderLength + IkeConstants.GenericPayloadHeaderLength + bodyLength;
        var message = new byte[length];
        var w = new IkeWriter(message);
        (header with { NextPayload = IkePayloadType.EncryptedFragment, Length = (uint)length }).Write(ref w);
        PayloadHeader.Write(ref w, first, false, IkeConstants.GenericPayloadHeaderLength + bodyLength);
        w.WriteUInt16(number);
        w.WriteUInt16(total);
        w.Reserve(_outbound.IvLength);
        w.WriteBytes(piece);
        var padLength = _outbound.PaddedLength(piece.Length) - piece.Length - 1;
        w.WriteZeros(padLength);
        w.WriteByte((byte)padLength);
        Span<byte> iv = stackalloc byte[_outbound.IvLength];
        _random.Fill(iv);
        _outbound.Encrypt(message, ivOffset, iv);
        return message;
    }

    /// <summary>Checks and decrypts one SKF fragment (RFC 7383 §2.5); reassembly is the caller's job.</summary>
    public bool TryDecryptFragment(ReadOnlySpan<byte> datagram, EncryptedFragmentPayload fragment, out byte[] content, out IkeParseError error)
        => _inbound.TryDecrypt(datagram, datagram.Length - fragment.ProtectedData.Length, out content, out error);

    public void Dispose()
    {
        _outbound.Dispose();
        _inbound.Dispose();
    }
}
