using Overlay.Labels.Compiled;

namespace Overlay.Daemon.IkeHost;

/// <summary>
/// Which TVDs may travel between this host and a peer host, from the Labels policy: a TVD whose STE
/// type both host entries may run. A peer is identified by its IKE identity, which is its host name
/// in the policy; an identity that names no host may carry nothing.
/// </summary>
public static class TvdCarriage
{
    /// <summary>True when both hosts may run <paramref name="tvd"/>'s STE type.</summary>
    public static bool MayCarry(CompiledPolicy policy, string thisHost, string peerHost, CompiledTvd tvd) =>
        HostRuns(policy.FindHost(thisHost), tvd) && HostRuns(policy.FindHost(peerHost), tvd);

    /// <summary>The TVDs both hosts may carry, in policy order.</summary>
    public static IReadOnlyList<CompiledTvd> Shared(CompiledPolicy policy, string thisHost, string peerHost) =>
        [.. policy.Tvds.Where(t => MayCarry(policy, thisHost, peerHost, t))];

    /// <summary>The TVD whose wire label (RFC 9478 TS_SECLABEL text) is <paramref name="label"/>, if any.</summary>
    public static CompiledTvd? ByLabel(CompiledPolicy policy, string label) =>
        policy.Tvds.FirstOrDefault(t => string.Equals(t.WireLabel, label, StringComparison.Ordinal));

    private static bool HostRuns(CompiledHost? host, CompiledTvd tvd) =>
        host is not null && (host.AllowsEveryType || host.AllowedTypes.Contains(tvd.TypeId));
}
