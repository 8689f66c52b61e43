using Overlay.DataPlane.Frames;

namespace Overlay.DataPlane.Switching;

/// <summary>Tunables of the switch (from the daemon's TOML options).</summary>
public sealed record SwitchOptions
{
    /// <summary>Largest guest payload; frames above 14 + MTU are dropped as Oversized.</summary>
    public int Mtu { get; init; } = EthernetFrame.DefaultMtu;

    /// <summary>Bound on learned MACs per TVD.</summary>
    public int MacTableCapacity { get; init; } = 4096;

    /// <summary>An entry not refreshed for this long is forgotten (Linux bridge default: 300 s).</summary>
    public TimeSpan MacAgeing { get; init; } = TimeSpan.FromSeconds(300);
}
