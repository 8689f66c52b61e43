using Overlay.DataPlane.Io;

namespace Overlay.DataPlane.Forwarding;

public sealed partial class Pipeline
{
    /// <summary>
    /// Sends slot <paramref name="slot"/> of the caller's <paramref name="batch"/> through the underlay
    /// socket: IKE on the NAT-T port must leave from the socket ESP uses (RFC 3948 §2.2), so the key
    /// exchange sends its (non-ESP-marked) messages here. The caller owns the batch and serialises its
    /// use; the kernel serialises this send with the send loop's. Returns 1, or -errno.
    /// </summary>
    public int SendIkeDatagram(MessageBatch batch, int slot)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return _stopping ? -1 : _underlay.Send(batch, slot, 1);
    }
}
