namespace Overlay.Common.Capture;

/// <summary>Whether a captured frame's endpoint is a guest port of this host or the tunnel to a peer host.</summary>
internal enum CaptureEndpointKind : byte
{
    Port = 1,
    Peer = 2,
}

/// <summary>A port or tunnel as frame records name it: by kind and the switch's id; an <see cref="CaptureEndpointName"/> record maps it to a name.</summary>
internal readonly record struct CaptureEndpointRef(CaptureEndpointKind Kind, uint Id)
{
    public static bool IsKnownKind(byte kind) => kind is (byte)CaptureEndpointKind.Port or (byte)CaptureEndpointKind.Peer;
}
