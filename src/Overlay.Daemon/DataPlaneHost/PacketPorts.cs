using Microsoft.Extensions.Logging;
using Overlay.DataPlane.Forwarding;
using Overlay.DataPlane.Interop;
using Overlay.DataPlane.Io;

namespace Overlay.Daemon.DataPlaneHost;

/// <summary>Opens a guest port on AF_PACKET (with guest offloads handled), split over the workers when there are several.</summary>
internal static class PacketPorts
{
    /// <summary>
    /// One socket, or with <see cref="PipelineOptions.Workers"/> &gt; 1 a PACKET_FANOUT group of that many (the guest's
    /// flows split over as many port loops); a kernel that refuses the group gets one socket, logged. Throws
    /// <see cref="NativeSocketException"/> when not even one socket opens (no such interface, no CAP_NET_RAW).
    /// </summary>
    public static IGuestPortIo Open(string name, string interfaceName, PipelineOptions options, ILogger logger)
    {
        if (options.Workers > 1)
        {
            try
            {
                return new FanoutGuestPort(PacketSocketPort.OpenFanout(interfaceName, options.Workers, options.ReceiveTimeout, offloads: true));
            }
            catch (NativeSocketException e) when (e.Call != "if_nametoindex")
            {
                DataPlaneLog.FanoutFallback(logger, name, interfaceName, options.Workers, e.Message);
            }
        }

        return PacketSocketPort.Open(interfaceName, options.ReceiveTimeout, offloads: true);
    }
}
