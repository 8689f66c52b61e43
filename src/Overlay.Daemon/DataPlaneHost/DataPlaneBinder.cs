using System.Net;
using Overlay.Daemon.Configuration;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Sa;
using Overlay.Labels.Compiled;

namespace Overlay.Daemon.DataPlaneHost;

/// <summary>A static SA whose peer and TVD were found: ready to install.</summary>
public sealed record BoundSa(StaticSaConfig Config, PeerConfig Peer, CompiledTvd Tvd, SaDescriptor Descriptor);

/// <summary>The data plane config checked against the policy.</summary>
public sealed record DataPlanePlan(DataPlaneConfig Config, IReadOnlyList<BoundSa> Sas);

/// <summary>
/// Checks <c>[dataplane]</c> against the policy before anything is opened: every SA names a configured
/// peer and a TVD of the policy, and the SAs of one (peer, TVD) agree on the inner mode. Errors point at the SA's
/// <c>file:line:column</c>, so a bad config exits 2 like any other config error. Ports are not checked
/// here: their guest/network binding is a policy decision taken at attach time (and logged).
/// </summary>
public static class DataPlaneBinder
{
    public static DataPlanePlan? Bind(DataPlaneConfig config, CompiledPolicy policy, List<ConfigError> errors)
    {
        int before = errors.Count;
        var sas = new List<BoundSa>();
        foreach (StaticSaConfig sa in config.Sas)
        {
            PeerConfig? peer = config.Peers.FirstOrDefault(p => p.Name == sa.Peer);
            if (peer is null)
            {
                string known = config.Peers.Count == 0 ? "none configured" : string.Join(", ", config.Peers.Select(p => p.Name));
                errors.Add(new ConfigError(sa.PeerLocation, $"SA {sa.Spi:x8}: unknown peer '{sa.Peer}' ([[dataplane.peer]] names: {known})"));
            }

            CompiledTvd? tvd = policy.FindTvd(sa.Tvd);
            if (tvd is null)
            {
                errors.Add(new ConfigError(sa.TvdLocation,
                    $"SA {sa.Spi:x8}: '{sa.Tvd}' is not a TVD of policy '{policy.Name}' (its TVDs: {string.Join(", ", policy.Tvds.Select(t => t.Name))})"));
            }

            CheckSameModeAsTunnel(sa, config.Sas, errors);
            if (peer is not null && tvd is not null)
            {
                var descriptor = new SaDescriptor(
                    new IPEndPoint(peer.Address, peer.Port), (ushort)tvd.VlanId, tvd.WireLabel, sa.Direction, sa.Spi, sa.Cipher, sa.Key,
                    sa.Mode, SaLifetime.Unlimited, sa.ExtendedSequenceNumbers);
                if (descriptor.Validate() is { } problem)
                {
                    errors.Add(new ConfigError(sa.Location, $"SA {sa.Spi:x8}: {problem}"));
                }
                else
                {
                    sas.Add(new BoundSa(sa, peer, tvd, descriptor));
                }
            }
        }

        return errors.Count > before ? null : new DataPlanePlan(config, sas);
    }

    /// <summary>
    /// The SAs of one (peer, TVD) share one tunnel, which is either a switch endpoint (etherip) or a routed
    /// ip-mode tunnel, never both: an SA whose mode differs from the first SA of its tunnel is an error.
    /// </summary>
    private static void CheckSameModeAsTunnel(StaticSaConfig sa, IReadOnlyList<StaticSaConfig> all, List<ConfigError> errors)
    {
        StaticSaConfig first = all.First(o => o.Peer == sa.Peer && o.Tvd == sa.Tvd);
        if (first.Mode != sa.Mode)
        {
            errors.Add(new ConfigError(sa.Location,
                $"SA {sa.Spi:x8}: mode \"{Name(sa.Mode)}\" but SA {first.Spi:x8} (line {first.Location.Line}) of the same peer '{sa.Peer}' and TVD '{sa.Tvd}' is \"{Name(first.Mode)}\": one tunnel has one mode"));
        }
    }

    private static string Name(InnerMode mode) => mode == InnerMode.Ip ? "ip" : "etherip";
}
