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

    public MessageBatch(int capacity, int bufferSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = capacity;
        BufferSize = bufferSize;
        _buffers = new PacketBuffer[capacity];
        _headers = (mmsghdr*)NativeMemory.AllocZeroed((nuint)capacity, (nuint)sizeof(mmsghdr));
        _vectors = (iovec*)NativeMemory.AllocZeroed((nuint)capacity, (nuint)sizeof(iovec));
        _names = (byte*)NativeMemory.AllocZeroed((nuint)capacity, LinuxSocketStructSizes.MaxAddressSize);
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

    /// <summary>Source (after a receive) or destination (before a send) of an IPv4 slot.</summary>
    public UdpAddress GetAddress(int index)
    {
        var name = (sockaddr_in*)(_names + (index * LinuxSocketStructSizes.MaxAddressSize));
        return new UdpAddress(name->sin_addr, BinaryPrimitives.ReverseEndianness(name->sin_port));
    }

    public void SetAddress(int index, UdpAddress address)
    {
        var name = (sockaddr_in*)(_names + (index * LinuxSocketStructSizes.MaxAddressSize));
        name->sin_family = LinuxSocketConstants.AF_INET;
        name->sin_port = address.PortNetworkOrder;
        name->sin_addr = address.AddressNetworkOrder;
        *(ulong*)name->sin_zero = 0;
    }

    public void Dispose()
    {
        NativeMemory.Free(_headers);
        NativeMemory.Free(_vectors);
        NativeMemory.Free(_names);
        _headers = null;
        _vectors = null;
        _names = null;
        GC.SuppressFinalize(this);
    }

    ~MessageBatch()
    {
        NativeMemory.Free(_headers);
        NativeMemory.Free(_vectors);
        NativeMemory.Free(_names);
    }

    /// <summary>Every slot ready to receive a whole buffer (and, if asked, the sender's address).</summary>
    internal mmsghdr* PrepareReceive(bool withAddresses)
    {
        for (int i = 0; i < Capacity; i++)
        {
            _vectors[i].iov_len = (nuint)BufferSize;
            _headers[i].msg_hdr.msg_name = withAddresses ? _names + (i * LinuxSocketStructSizes.MaxAddressSize) : null;
            _headers[i].msg_hdr.msg_namelen = withAddresses ? (uint)LinuxSocketStructSizes.MaxAddressSize : 0;
            _headers[i].msg_hdr.msg_flags = 0;
            _headers[i].msg_len = 0;
        }

        return _headers;
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

    /// <summary>Slots start..start+count-1 ready to send their buffers' valid bytes to their addresses.</summary>
    internal mmsghdr* PrepareSend(int start, int count)
    {
        for (int i = start; i < start + count; i++)
        {
            _vectors[i].iov_len = (nuint)_buffers[i].Length;
            _headers[i].msg_hdr.msg_name = _names + (i * LinuxSocketStructSizes.MaxAddressSize);
            _headers[i].msg_hdr.msg_namelen = (uint)LinuxSocketStructSizes.SockaddrIn;
            _headers[i].msg_hdr.msg_flags = 0;
        }

        return _headers + start;
    }
}
