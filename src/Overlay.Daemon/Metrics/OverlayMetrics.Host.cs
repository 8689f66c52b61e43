using System.Diagnostics.Metrics;

namespace Overlay.Daemon.Metrics;

/// <summary>Instruments of the host's own state: the policy in force and its reloads, the managed guests.</summary>
public sealed partial class OverlayMetrics
{
    /// <summary>Every state a guest is shown in (<c>tvdctl guest list</c>), reported even at 0 so an alert can say "none running".</summary>
    private static readonly string[] GuestStates = ["defined", "running", "refused"];

    private void CreateHostInstruments()
    {
        Meter.CreateObservableGauge("tvd_policy_version", () => _policy.Current.Policy.Version,
            description: "Version of the policy in force");
        Meter.CreateObservableCounter("tvd_policy_reloads", () => new[]
        {
            new Measurement<long>(_policy.ReloadsCommitted, Tag("result", "committed")),
            new Measurement<long>(_policy.ReloadsRefused, Tag("result", "refused")),
        }, description: "Policy reloads (SIGHUP) since start by result; a refused one kept the running version");
        Meter.CreateObservableGauge("tvd_guests", Guests,
            description: "Guests of [[guest]] by state, as tvdctl guest list shows them");
    }

    private IEnumerable<Measurement<int>> Guests()
    {
        if (!_guests.Enabled)
        {
            return [];
        }

        var counts = GuestStates.ToDictionary(s => s, _ => 0, StringComparer.Ordinal);
        foreach (var guest in _guests.List())
        {
            counts[guest.State] = counts.GetValueOrDefault(guest.State) + 1;
        }

        return [.. counts.Select(kv => new Measurement<int>(kv.Value, Tag("state", kv.Key)))];
    }
}
