namespace Overlay.Ike.Net;

/// <summary>
/// How much inbound IKE work may wait and how many threads do it. Inbound datagrams are copied into one
/// bounded queue by the receiving threads (port 500's loop, the data plane's port-4500 loop), which never
/// wait on IKE; <see cref="Workers"/> threads take them off and run the exchanges (decrypt, DH, AUTH,
/// policy, SA install). A full queue drops the datagram and counts it: IKE retransmits, an attacker's
/// flood costs a copy and a counter.
/// </summary>
public sealed record IkeTransportOptions
{
    /// <summary>Threads running IKE exchanges (wireguard-go runs one handshake worker per core).</summary>
    public int Workers { get; init; } = Math.Clamp(Environment.ProcessorCount, 1, 8);

    /// <summary>Datagrams that may wait for a worker.</summary>
    public int QueueCapacity { get; init; } = 1024;

    /// <summary>Bytes that may wait for a worker (the queue is bounded by what it holds, not only by count).</summary>
    public int QueueBytes { get; init; } = 8 << 20;

    public static IkeTransportOptions Default { get; } = new();

    /// <summary>Why these options cannot run, or null.</summary>
    public string? Validate() =>
        Workers is < 1 or > 64 ? $"workers must be 1-64, not {Workers}"
        : QueueCapacity is < 1 or > 1 << 20 ? $"queue capacity must be 1-1048576, not {QueueCapacity}"
        : QueueBytes < IkeConstants.MaxMessageLength ? $"queue bytes must hold one message ({IkeConstants.MaxMessageLength}), not {QueueBytes}"
        : null;
}
