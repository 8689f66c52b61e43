using Overlay.Daemon.Configuration;
using Overlay.Labels.Compiled;

namespace Overlay.Daemon.GuestHost;

/// <summary>
/// Checks <c>[[guest]]</c> and <c>[[hypervisor.known_good]]</c> against the policy before anything starts, like
/// <see cref="DataPlaneHost.DataPlaneBinder"/> for <c>[dataplane]</c>: every guest is a guest of the policy, every
/// network a network resource of a TVD, every known-good list names a TVD. Whether the guest may bind to the
/// network (STE) or start here (Chinese Wall) is decided at define/start time and audited, not here.
/// </summary>
public static class GuestBinder
{
    public static bool Check(DaemonConfig config, CompiledPolicy policy, List<ConfigError> errors)
    {
        int before = errors.Count;
        foreach (GuestConfig guest in config.Guests ?? [])
        {
            if (policy.FindGuest(guest.Name) is null)
            {
                errors.Add(new ConfigError(guest.Location,
                    $"guest '{guest.Name}' is not a guest of policy '{policy.Name}' (its guests: {string.Join(", ", policy.Guests.Select(g => g.Name))})"));
            }

            foreach (string network in guest.Networks)
            {
                if (policy.FindResource(network) is not { Tvd: not null })
                {
                    errors.Add(new ConfigError(guest.Location,
                        $"guest '{guest.Name}': '{network}' is not a network of a TVD in policy '{policy.Name}'"));
                }
            }
        }

        foreach (string tvd in config.Hypervisor?.KnownGood.Keys ?? [])
        {
            if (policy.FindTvd(tvd) is null)
            {
                errors.Add(new ConfigError(new ConfigLocation(config.ConfigFile, 1, 1),
                    $"[[hypervisor.known_good]] tvd '{tvd}' is not a TVD of policy '{policy.Name}' (its TVDs: {string.Join(", ", policy.Tvds.Select(t => t.Name))})"));
            }
        }

        return errors.Count == before;
    }
}
