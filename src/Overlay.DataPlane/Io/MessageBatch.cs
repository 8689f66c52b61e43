using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Overlay.DataPlane.Interop;
using Overlay.DataPlane.Pools;

namespace Overlay.DataPlane.Io;

/// <summary>
/// A batch for one recvmmsg/sendmmsg call: <see cref="Capacity"/> pinned packet buffers and, in native
/// memory allocated once, the mmsghdr, iovec and address arrays that point at them. A loop owns its
/// batch for its whole life, so a batch call allocates nothing. Not thread-safe.
/// </summary>
public sealed unsafe class MessageBatch : IDisposable
{
    private readonly PacketBuffer[] _buffers;
    private mmsghdr* _headers;
    private iovec* _vectors;
    private byte* _names;
    private byte* _control;
    private readonly int[] _messageEnd;

    public MessageBatch(int capacity, int bufferSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = capacity;
        BufferSize = bufferSize;
        _buffers = new PacketBuffer[capacity];
        _headers = (mmsghdr*)NativeMemory.AllocZeroed((nuint)capacity, (nuint)sizeof(mmsghdr));
        _vectors = (iovec*)NativeMemory.AllocZeroed((nuint)capacity, (nuint)sizeof(iovec));
        _names = (byte*)NativeMemory.AllocZeroed((nuint)capacity, LinuxSocketStructSizes.MaxAddressSize);
        _control = (byte*)NativeMemory.AllocZeroed((nuint)capacity, LinuxSocketStructSizes.ControlSpace);
        _messageEnd = new int[capacity];
        for (int i = 0; i < capacity; i++)
        {
            _buffers[i] = new PacketBuffer(bufferSize);
            _vectors[i].iov_base = _buffers[i].Pointer;
            _headers[i].msg_hdr.msg_iov = &_vectors[i];
            _headers[i].msg_hdr.msg_iovlen = 1;
        }
    }

    public int Capacity { get; }

    public int BufferSize { get; }

    /// <summary>Slots filled by the last receive (or to send).</summary>
    public int Count { get; set; }

    public PacketBuffer this[int index] => _buffers[index];

    /// <summary>The kernel cut the datagram or frame in slot <paramref name="index"/> to fit the buffer.</summary>
    public bool IsTruncated(int index) => (_headers[index].msg_hdr.msg_flags & LinuxSocketConstants.MSG_TRUNC) != 0;

    /// <summary>Source (after a receive) or destination (before a send) of a slot: sockaddr_in or sockaddr_in6.</summary>
    public UdpAddress GetAddress(int index)
    {
        byte* name = _names + (index * LinuxSocketStructSizes.MaxAddressSize);
        if (((sockaddr_in*)name)->sin_family == LinuxSocketConstants.AF_INET6)
        {
            var v6 = (sockaddr_in6*)name;
            return UdpAddress.FromIPv6(v6->sin6_addr_low, v6->sin6_addr_high, BinaryPrimitives.ReverseEndianness(v6->sin6_port));
        }

        var v4 = (sockaddr_in*)name;
        return new UdpAddress(v4->sin_addr, BinaryPrimitives.ReverseEndianness(v4->sin_port));
    }

    /// <summary>The address family of slot <paramref name="index"/>'s address: true for IPv6.</summary>
    public bool IsIPv6(int index) =>
        ((sockaddr_in*)(_names + (index * LinuxSocketStructSizes.MaxAddressSize)))->sin_family == LinuxSocketConstants.AF_INET6;

    public void SetAddress(int index, UdpAddress address)
    {
        byte* name = _names + (index * LinuxSocketStructSizes.MaxAddressSize);
        if (address.IsIPv6)
        {
            var v6 = (sockaddr_in6*)name;
            v6->sin6_family = LinuxSocketConstants.AF_INET6;
            v6->sin6_port = address.PortNetworkOrder;
            v6->sin6_flowinfo = 0;
            v6->sin6_addr_low = address.Low;
            v6->sin6_addr_high = address.High;
            v6->sin6_scope_id = 0;
            return;
        }

        var v4 = (sockaddr_in*)name;
        v4->sin_family = LinuxSocketConstants.AF_INET;
        v4->sin_port = address.PortNetworkOrder;
        v4->sin_addr = address.AddressNetworkOrder;
        *(ulong*)v4->sin_zero = 0;
    }

    public void Dispose()
    {
        NativeMemory.Free(_headers);
        NativeMemory.Free(_vectors);
        NativeMemory.Free(_names);
        NativeMemory.Free(_control);
        _headers = null;
        _vectors = null;
        _names = null;
        _control = null;
        GC.SuppressFinalize(this);
    }

    ~MessageBatch()
    {
        NativeMemory.Free(_headers);
        NativeMemory.Free(_vectors);
        NativeMemory.Free(_names);
        NativeMemory.Free(_control);
    }

    /// <summary>
    /// Every slot ready to receive a whole buffer (and, if asked, the sender's address and room for one
    /// control message, e.g. the UDP GRO segment size).
    /// </summary>
    internal mmsghdr* PrepareReceive(bool withAddresses, bool withControl = false)
    {
        for (int i = 0; i < Capacity; i++)
        {
            _vectors[i].iov_len = (nuint)BufferSize;
            _headers[i].msg_hdr.msg_iov = &_vectors[i];
            _headers[i].msg_hdr.msg_iovlen = 1;
            _headers[i].msg_hdr.msg_name = withAddresses ? _names + (i * LinuxSocketStructSizes.MaxAddressSize) : null;
            _headers[i].msg_hdr.msg_namelen = withAddresses ? (uint)LinuxSocketStructSizes.MaxAddressSize : 0;
            _headers[i].msg_hdr.msg_control = withControl ? _control + (i * LinuxSocketStructSizes.ControlSpace) : null;
            _headers[i].msg_hdr.msg_controllen = withControl ? (nuint)LinuxSocketStructSizes.ControlSpace : 0;
            _headers[i].msg_hdr.msg_flags = 0;
            _headers[i].msg_len = 0;
        }

        return _headers;
    }

    /// <summary>
    /// The size of each datagram in slot <paramref name="index"/> when the kernel coalesced several
    /// (UDP GRO: every one that size but the last); 0 when the slot holds one datagram.
    /// </summary>
    internal int GetSegmentSize(int index)
    {
        msghdr* header = &_headers[index].msg_hdr;
        if (header->msg_control is null || header->msg_controllen < (nuint)LinuxSocketStructSizes.ControlLength(sizeof(int)))
        {
            return 0;
        }

        var message = (cmsghdr*)header->msg_control;
        return message->cmsg_level == LinuxSocketConstants.SOL_UDP && message->cmsg_type == LinuxSocketConstants.UDP_GRO
            ? *(int*)(message + 1)
            : 0;
    }

    /// <summary>Copies what the kernel reported into the buffers' lengths.</summary>
    internal void CompleteReceive(int received)
    {
        for (int i = 0; i < received; i++)
        {
            _buffers[i].Length = (int)Math.Min(_headers[i].msg_len, (uint)BufferSize);
        }

        Count = received;
    }

    /// <summary>
    /// Marks slots 0..count-1 as received by a path that filled the buffers itself (an AF_XDP ring):
    /// their lengths are already set and none is truncated.
    /// </summary>
    internal void CompleteFilled(int count)
    {
        for (int i = 0; i < count; i++)
        {
            _headers[i].msg_hdr.msg_flags = 0;
        }

        Count = count;
    }

    /// <summary>Flags slot <paramref name="index"/> as cut short after <see cref="CompleteFilled"/>: the caller counts it oversized.</summary>
    internal void MarkTruncated(int index) => _headers[index].msg_hdr.msg_flags = LinuxSocketConstants.MSG_TRUNC;

    /// <summary>Slots start..start+count-1 ready to send their buffers' valid bytes to their addresses.</summary>
    internal mmsghdr* PrepareSend(int start, int count)
    {
        for (int i = start; i < start + count; i++)
        {
            _vectors[i].iov_len = (nuint)_buffers[i].Length;
            _headers[i].msg_hdr.msg_iov = &_vectors[i];
            _headers[i].msg_hdr.msg_iovlen = 1;
            _headers[i].msg_hdr.msg_name = _names + (i * LinuxSocketStructSizes.MaxAddressSize);
            _headers[i].msg_hdr.msg_namelen = NameLength(i);
            _headers[i].msg_hdr.msg_control = null;
            _headers[i].msg_hdr.msg_controllen = 0;
            _headers[i].msg_hdr.msg_flags = 0;
        }

        return _headers + start;
    }

    /// <summary>
    /// Slots start..start+count-1 as UDP GSO messages (Linux 4.18+): consecutive slots to the same
    /// address with the same length (the last of a run may be shorter) become one message whose
    /// iovecs are those slots and whose UDP_SEGMENT control message tells the kernel to send them as
    /// separate datagrams. A run stops at <paramref name="maxSegments"/> slots or 64 KiB; slots longer
    /// than <paramref name="maxSegmentSize"/> go alone. Returns the first message (at <c>start</c>);
    /// <paramref name="messages"/> is how many there are.
    /// </summary>
    internal mmsghdr* PrepareSendSegmented(int start, int count, int maxSegments, int maxSegmentSize, out int messages)
    {
        int end = start + count;
        int m = start;
        for (int i = start; i < end;)
        {
            int size = _buffers[i].Length;
            int j = i + 1;
            while (size <= maxSegmentSize && j < end && j - i < maxSegments && (j - i + 1) * size <= MaxSegmentedPayload
                && _buffers[j].Length <= size && SameAddress(i, j))
            {
                bool shorter = _buffers[j].Length < size;
                j++;
                if (shorter)
                {
                    break; // only the last datagram of a run may be shorter
                }
            }

            msghdr* header = &_headers[m].msg_hdr;
            header->msg_name = _names + (i * LinuxSocketStructSizes.MaxAddressSize);
            header->msg_namelen = NameLength(i);
            header->msg_iov = &_vectors[i];
            header->msg_iovlen = (nuint)(j - i);
            header->msg_flags = 0;
            for (int k = i; k < j; k++)
            {
                _vectors[k].iov_len = (nuint)_buffers[k].Length;
            }

            if (j - i > 1)
            {
                byte* control = _control + (m * LinuxSocketStructSizes.ControlSpace);
                var message = (cmsghdr*)control;
                message->cmsg_len = (nuint)LinuxSocketStructSizes.ControlLength(sizeof(ushort));
                message->cmsg_level = LinuxSocketConstants.SOL_UDP;
                message->cmsg_type = LinuxSocketConstants.UDP_SEGMENT;
                *(ushort*)(message + 1) = (ushort)size;
                header->msg_control = control;
                header->msg_controllen = (nuint)LinuxSocketStructSizes.ControlSpace;
            }
            else
            {
                header->msg_control = null;
                header->msg_controllen = 0;
            }

            _messageEnd[m] = j;
            m++;
            i = j;
        }

        messages = m - start;
        return _headers + start;
    }

    /// <summary>After <see cref="PrepareSendSegmented"/>: the slot after the last one of the first <paramref name="sent"/> messages.</summary>
    internal int SlotEndOfMessages(int start, int sent) => sent <= 0 ? start : _messageEnd[start + sent - 1];

    /// <summary>After <see cref="PrepareSendSegmented"/>: the first message is a GSO run of several slots.</summary>
    internal bool FirstMessageIsSegmented(int start) => _messageEnd[start] - start > 1;

    /// <summary>UDP payload bytes one GSO send may carry (65,535 minus IPv4 and UDP headers).</summary>
    private const int MaxSegmentedPayload = 65535 - 20 - 8;

    /// <summary>sizeof(sockaddr_in) or sizeof(sockaddr_in6), by the slot's family.</summary>
    private uint NameLength(int index) =>
        (uint)(IsIPv6(index) ? LinuxSocketStructSizes.SockaddrIn6 : LinuxSocketStructSizes.SockaddrIn);

    /// <summary>
    /// Same family, port and address: the first word holds family, port and (IPv4) the address or (IPv6) the
    /// flow label, which <see cref="SetAddress"/> zeroes; an IPv6 address continues in the next two.
    /// </summary>
    private bool SameAddress(int a, int b)
    {
        var x = (ulong*)(_names + (a * LinuxSocketStructSizes.MaxAddressSize));
        var y = (ulong*)(_names + (b * LinuxSocketStructSizes.MaxAddressSize));
        return x[0] == y[0] && (((sockaddr_in*)x)->sin_family != LinuxSocketConstants.AF_INET6 || (x[1] == y[1] && x[2] == y[2]));
    }
}
