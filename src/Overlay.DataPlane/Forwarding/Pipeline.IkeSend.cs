using Overlay.DataPlane.Frames;
using Overlay.DataPlane.Io;
using Overlay.DataPlane.Pools;

namespace Overlay.DataPlane.Forwarding;

public sealed partial class Pipeline
{
    /// <summary>The largest UDP payload over IPv4 (65,535 − 20 − 8): the most an IKE message plus its marker may be.</summary>
    private const int MaxUdpPayload = 65507;

    private readonly Lock _ikeSendLock = new();
    private MessageBatch? _ikeSendBatch;

    /// <summary>
    /// Sends an IKE message from the underlay socket behind the non-ESP marker: IKE on the NAT-T port must
    /// leave from the socket ESP uses (RFC 3948 §2.2), and that socket is ours. Callable from any thread (IKE
    /// workers, timers); sends are serialised on one slot, and the kernel serialises them with the send loops.
    /// False when the message is too large for a datagram, the pipeline is stopping, or the kernel refused it
    /// (IKE retransmits).
    /// </summary>
    public bool SendIke(ReadOnlySpan<byte> ikeMessage, UdpAddress to)
    {
        if (ikeMessage.Length > MaxUdpPayload - UdpEncapsulation.NonEspMarkerLength)
        {
            return false;
        }

        lock (_ikeSendLock)
        {
            if (_stopping)
            {
                return false;
            }

            _ikeSendBatch ??= new MessageBatch(1, MaxUdpPayload);
            PacketBuffer slot = _ikeSendBatch[0];
            slot.Length = UdpEncapsulation.WriteIke(ikeMessage, slot.Data);
            _ikeSendBatch.SetAddress(0, to);
            return _underlay.Send(_ikeSendBatch, 0, 1, worker: 0) == 1;
        }
    }

    private void DisposeIkeSend()
    {
        lock (_ikeSendLock)
        {
            _ikeSendBatch?.Dispose();
            _ikeSendBatch = null;
        }
    }
}
