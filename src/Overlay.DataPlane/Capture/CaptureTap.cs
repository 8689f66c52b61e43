using Overlay.DataPlane.Switching;

namespace Overlay.DataPlane.Capture;

/// <summary>
/// One running capture on one TVD: the frames that TVD's switch segment forwards (after decapsulation, before
/// encapsulation), optionally only those entering or leaving one endpoint (a guest port or the tunnel to a peer),
/// copied into a <see cref="CaptureRing"/>. The tap hangs on the TVD's <see cref="TvdSegment"/>, so a frame of
/// another TVD never reaches it: that segment's frames are the only ones it is offered.
/// </summary>
public sealed class CaptureTap
{
    private readonly SwitchEndpoint? _only;

    /// <param name="ring">Where offered frames go.</param>
    /// <param name="only">Keep only frames entering at or sent to this endpoint; null: every frame of the TVD.</param>
    public CaptureTap(CaptureRing ring, SwitchEndpoint? only = null)
    {
        Ring = ring ?? throw new ArgumentNullException(nameof(ring));
        _only = only;
    }

    public CaptureRing Ring { get; }

    /// <summary>The switch offers a frame it forwards within the tap's TVD to <paramref name="targets"/>.</summary>
    internal void Offer(TimeProvider clock, SwitchEndpoint ingress, ReadOnlySpan<SwitchEndpoint> targets, ReadOnlySpan<byte> frame)
    {
        if (_only is { } only && ingress != only && !targets.Contains(only))
        {
            return;
        }

        Ring.TryWrite(clock, ingress, targets[0], targets.Length, frame);
    }
}
