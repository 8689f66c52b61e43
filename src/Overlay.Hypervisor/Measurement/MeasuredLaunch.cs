using Overlay.Hypervisor.Guests;

namespace Overlay.Hypervisor.Measurement;

/// <summary>
/// Measures a guest before it starts: image, kernel, initrd and the backend's definition (domain XML), each under
/// <c>tvd:&lt;TVD&gt;/&lt;guest&gt;/&lt;part&gt;</c> for every TVD the guest belongs to (a verifier of TVD red looks only
/// at tvd:red/ entries, so a two-colored guest appears in both lists). Then the image digest must be known-good for
/// every TVD that enforces a list.
/// </summary>
public static class MeasuredLaunch
{
    /// <summary>Null when the guest may start; otherwise the refusal. I/O errors (a missing image) propagate.</summary>
    public static string? MeasureAndCheck(
        GuestSpec guest, byte[] definition, IReadOnlyList<string> tvds, IGuestMeasurer measurer, KnownGoodImages knownGood)
    {
        ArgumentNullException.ThrowIfNull(guest);
        ArgumentNullException.ThrowIfNull(measurer);
        string? refusal = null;
        foreach (var tvd in tvds)
        {
            var prefix = $"tvd:{tvd}/{guest.Name}/";
            var imageDigest = guest.Image is null ? null : measurer.MeasureFile(guest.Image, prefix + "image");
            if (guest.Kernel is not null)
            {
                measurer.MeasureFile(guest.Kernel, prefix + "kernel");
            }

            if (guest.Initrd is not null)
            {
                measurer.MeasureFile(guest.Initrd, prefix + "initrd");
            }

            measurer.MeasureBlob(prefix + "definition", definition);
            refusal ??= knownGood.Refusal(tvd, guest.Name, imageDigest);
        }

        return refusal;
    }
}
