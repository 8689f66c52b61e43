namespace Overlay.DataPlane.Forwarding;

/// <summary>What crossed the underlay socket, by kind (RFC 3948 demultiplexing). Lock-free.</summary>
public sealed class UnderlayCounters
{
    private long _datagramsReceived;
    private long _espReceived;
    private long _ikeReceived;
    private long _keepalivesReceived;
    private long _packetsSent;
    private long _bytesSent;
    private long _sendBatches;
    private long _keepalivesSent;
    private long _remoteMoves;

    public long DatagramsReceived => Volatile.Read(ref _datagramsReceived);

    public long EspReceived => Volatile.Read(ref _espReceived);

    public long IkeReceived => Volatile.Read(ref _ikeReceived);

    public long KeepalivesReceived => Volatile.Read(ref _keepalivesReceived);

    public long PacketsSent => Volatile.Read(ref _packetsSent);

    public long BytesSent => Volatile.Read(ref _bytesSent);

    /// <summary>NAT-keepalives sent (RFC 3948 §2.3): the tunnel to a peer was quiet for a keepalive interval.</summary>
    public long KeepalivesSent => Volatile.Read(ref _keepalivesSent);

    /// <summary>Tunnels moved to a new peer endpoint by authenticated ESP from it (RFC 7296 §2.23).</summary>
    public long RemoteMoves => Volatile.Read(ref _remoteMoves);

    /// <summary>sendmmsg calls; <see cref="PacketsSent"/> / this is the mean batch size.</summary>
    public long SendBatches => Volatile.Read(ref _sendBatches);

    internal void OnDatagram() => Interlocked.Increment(ref _datagramsReceived);

    internal void OnEsp() => Interlocked.Increment(ref _espReceived);

    internal void OnIke() => Interlocked.Increment(ref _ikeReceived);

    internal void OnKeepalive() => Interlocked.Increment(ref _keepalivesReceived);

    internal void OnKeepaliveSent() => Interlocked.Increment(ref _keepalivesSent);

    internal void OnRemoteMoved() => Interlocked.Increment(ref _remoteMoves);

    internal void OnSent(int packets, long bytes)
    {
        Interlocked.Add(ref _packetsSent, packets);
        Interlocked.Add(ref _bytesSent, bytes);
        Interlocked.Increment(ref _sendBatches);
    }
}
