namespace Overlay.DataPlane.Switching;

/// <summary>Where a frame enters or leaves a TVD's switch.</summary>
public enum EndpointKind : byte
{
    /// <summary>A local guest NIC (vNIC/TAP/veth); delivered without encryption.</summary>
    LocalPort = 1,

    /// <summary>A (peer host, TVD) tunnel; sent through that tunnel's outbound SA.</summary>
    RemotePeer = 2,
}

/// <summary>A local port or a remote tunnel, by the id its owner chose when attaching it.</summary>
public readonly record struct SwitchEndpoint(EndpointKind Kind, int Id)
{
    public static SwitchEndpoint Local(int portId) => new(EndpointKind.LocalPort, portId);

    public static SwitchEndpoint Remote(int tunnelId) => new(EndpointKind.RemotePeer, tunnelId);

    public bool IsLocal => Kind == EndpointKind.LocalPort;

    public override string ToString() => IsLocal ? $"port {Id}" : $"tunnel {Id}";
}
