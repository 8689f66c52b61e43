using System.Buffers.Binary;

namespace Overlay.DataPlane.Offload;

/// <summary>
/// Software segmentation of a frame a guest handed over with offloads (virtio_net_hdr), the job a
/// NIC's TSO/USO engine would do: a TCP super-frame becomes MSS-sized segments with their own IP
/// length, IPv4 id, TCP sequence number, flags and checksums; a UDP_L4 (USO) one becomes datagrams;
/// a single frame whose checksum was left to the device gets it computed (as skb_checksum_help does).
/// Every output frame is complete and valid on the wire, so the tunnel, the peer and tshark see
/// ordinary frames.
/// <para>
/// A cursor over one frame: <see cref="Begin"/> checks it, then <see cref="TryNext"/> writes one segment
/// per call. The frame is passed again on each call (it stays in the caller's buffer). Allocates nothing.
/// </para>
/// </summary>
public sealed class GsoSegmenter
{
    /// <summary>
    /// Most segments one super-frame may become. A guest's own kernel never asks for more than a 64 KiB
    /// burst at a sane MSS needs (≈ 45 at 1448, 122 at 536), but a guest that writes virtio headers
    /// itself could ask for 65,000 one-byte segments: one of its system calls would cost the host
    /// 65,000 seals. Above this the frame is refused and counted, as a NIC would drop it.
    /// </summary>
    public const int MaxSegments = 128;

    private L4Layout _layout;
    private int _mss;
    private int _payloadOffset;
    private int _frameLength;
    private int _next;
    private int _index;
    private bool _segmenting;
    private bool _checksumOnly;
    private int _checksumStart;
    private int _checksumOffset;

    /// <summary>True while <see cref="TryNext"/> has segments left.</summary>
    public bool HasNext { get; private set; }

    /// <summary>
    /// Starts on one frame. False when the offload request is not one this host can carry out (an
    /// unknown GSO type, UFO, headers that do not parse, a checksum position outside the frame): the
    /// caller drops the frame and counts it.
    /// </summary>
    public bool Begin(in VirtioNetHeader header, ReadOnlySpan<byte> frame)
    {
        HasNext = false;
        _segmenting = false;
        _checksumOnly = false;
        _frameLength = frame.Length;
        _next = 0;
        _index = 0;
        if (!header.IsGso)
        {
            if (header.NeedsChecksum)
            {
                if (header.ChecksumStart + header.ChecksumOffset + 2 > frame.Length)
                {
                    return false;
                }

                _checksumOnly = true;
                _checksumStart = header.ChecksumStart;
                _checksumOffset = header.ChecksumOffset;
            }

            HasNext = true;
            return true;
        }

        if (header.GsoSize == 0 || !L4Layout.TryParse(frame, out _layout))
        {
            return false;
        }

        bool matches = header.GsoKind switch
        {
            VirtioNetHeader.GsoTcpV4 => !_layout.IsIPv6 && _layout.Protocol == L4Layout.ProtocolTcp,
            VirtioNetHeader.GsoTcpV6 => _layout.IsIPv6 && _layout.Protocol == L4Layout.ProtocolTcp,
            VirtioNetHeader.GsoUdpL4 => _layout.Protocol == L4Layout.ProtocolUdp,
            _ => false, // UFO (GSO_UDP) fragments at IP level; no guest gets it offered
        };
        if (!matches || frame.Length <= _layout.HeaderLength
            || (frame.Length - _layout.HeaderLength + header.GsoSize - 1) / header.GsoSize > MaxSegments)
        {
            return false;
        }

        _mss = header.GsoSize;
        _payloadOffset = _layout.HeaderLength;
        _next = _payloadOffset;
        _segmenting = true;
        HasNext = true;
        return true;
    }

    /// <summary>Bytes the next segment needs.</summary>
    public int NextLength => !_segmenting ? _frameLength : _payloadOffset + Math.Min(_mss, _frameLength - _next);

    /// <summary>
    /// Writes the next segment of <paramref name="frame"/> (the same frame given to <see cref="Begin"/>)
    /// into <paramref name="output"/>; false when it does not fit (the segment is skipped and the caller counts it).
    /// </summary>
    public bool TryNext(ReadOnlySpan<byte> frame, Span<byte> output, out int length)
    {
        length = NextLength;
        if (!_segmenting)
        {
            HasNext = false;
            if (output.Length < length)
            {
                return false;
            }

            frame.CopyTo(output);
            if (_checksumOnly)
            {
                CompleteChecksum(output[..length]);
            }

            return true;
        }

        int chunk = length - _payloadOffset;
        int offset = _next;
        int index = _index++;
        _next += chunk;
        HasNext = _next < _frameLength;
        if (output.Length < length)
        {
            return false;
        }

        Span<byte> segment = output[..length];
        frame[.._payloadOffset].CopyTo(segment);
        frame.Slice(offset, chunk).CopyTo(segment[_payloadOffset..]);
        ushort? id = null;
        if (!_layout.IsIPv6)
        {
            id = (ushort)(BinaryPrimitives.ReadUInt16BigEndian(frame[(_layout.L3Offset + 4)..]) + index);
        }

        _layout.WriteIpLength(segment, length, id);
        int l4 = _layout.L4Offset;
        if (_layout.Protocol == L4Layout.ProtocolTcp)
        {
            uint sequence = BinaryPrimitives.ReadUInt32BigEndian(frame[(l4 + 4)..]) + (uint)(offset - _payloadOffset);
            BinaryPrimitives.WriteUInt32BigEndian(segment[(l4 + 4)..], sequence);
            byte flags = frame[l4 + 13];
            if (HasNext)
            {
                flags &= unchecked((byte)~(TcpFlags.Fin | TcpFlags.Psh));
            }

            if (index > 0)
            {
                flags &= unchecked((byte)~TcpFlags.Cwr);
            }

            segment[l4 + 13] = flags;
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(segment[(l4 + 4)..], (ushort)(length - l4));
        }

        _layout.WriteL4Checksum(segment);
        return true;
    }

    /// <summary>The field holds the pseudo-header sum; add everything from the start and store the complement.</summary>
    private void CompleteChecksum(Span<byte> frame)
    {
        ushort checksum = InternetChecksum.Complement(InternetChecksum.Sum(frame[_checksumStart..]));
        if (checksum == 0 && _checksumOffset == 6)
        {
            checksum = 0xFFFF; // UDP: 0 would mean "no checksum"
        }

        BinaryPrimitives.WriteUInt16BigEndian(frame[(_checksumStart + _checksumOffset)..], checksum);
    }
}
