using Microsoft.Extensions.Logging;

namespace Overlay.Cluster;

/// <summary>Source-generated log lines of the cluster module (event ids 900–929; the daemon's ClusterHost uses 930+).</summary>
internal static partial class ClusterLog
{
    [LoggerMessage(900, LogLevel.Warning, "cluster: disconnected from the store ({Problem}); keeping the last state seen (revision {Revision})")]
    public static partial void Disconnected(ILogger logger, string problem, long revision);

    [LoggerMessage(901, LogLevel.Information, "cluster: connected to the store; watching from revision {Revision} (disconnected for {Seconds:F1} s)")]
    public static partial void Reconnected(ILogger logger, long revision, double seconds);

    [LoggerMessage(902, LogLevel.Warning, "cluster: revision {Revision} of {Prefix} was compacted (store compacted up to {Compacted}); reading it again in full")]
    public static partial void Compacted(ILogger logger, string prefix, long revision, long compacted);

    [LoggerMessage(903, LogLevel.Warning, "cluster: the store's revision {StoreRevision} is below the one last seen ({Revision}): the store was replaced or restored; reading {Prefix} again in full")]
    public static partial void StoreRolledBack(ILogger logger, string prefix, long storeRevision, long revision);

    [LoggerMessage(904, LogLevel.Warning, "cluster: {Prefix} holds more than {Limit} keys; only the first {Limit} are mirrored")]
    public static partial void PrefixTruncated(ILogger logger, string prefix, int limit);

    [LoggerMessage(910, LogLevel.Information, "cluster: registered as {Host} under lease {Lease:x} (TTL {Ttl} s)")]
    public static partial void Registered(ILogger logger, string host, long lease, long ttl);

    [LoggerMessage(911, LogLevel.Warning, "cluster: lease {Lease:x} of {Host} was lost (expired while the store was unreachable, or revoked); registering again")]
    public static partial void LeaseLost(ILogger logger, string host, long lease);

    [LoggerMessage(912, LogLevel.Warning, "cluster: registration of {Host} failed: {Problem}; retrying in {Delay:F1} s")]
    public static partial void RegistrationFailed(ILogger logger, string host, string problem, double delay);

    [LoggerMessage(920, LogLevel.Information, "cluster: {Host} is the epoch leader (lease {Lease:x}); publishing an epoch every {Period} s")]
    public static partial void EpochLeader(ILogger logger, string host, long lease, double period);

    [LoggerMessage(921, LogLevel.Warning, "cluster: {Host} lost the epoch leadership ({Why})")]
    public static partial void EpochLeadershipLost(ILogger logger, string host, string why);

    [LoggerMessage(922, LogLevel.Warning, "cluster: epoch election of {Host} failed: {Problem}; retrying in {Delay:F1} s")]
    public static partial void EpochFailed(ILogger logger, string host, string problem, double delay);
}
