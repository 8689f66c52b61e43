namespace Overlay.DataPlane.Io;

/// <summary>
/// The offload work of one port: guest super-frames (TSO/GSO) received and cut, wire-sized frames
/// handed to the switch, and frames from tunnels merged into GSO frames towards the guest.
/// </summary>
public readonly record struct PortOffloadCounters(long SuperFramesReceived, long FramesProduced, long FramesCoalesced);
