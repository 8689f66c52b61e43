using Microsoft.Extensions.Logging;

namespace Overlay.Daemon.ClusterHost;

/// <summary>The daemon's cluster log lines (events 930–949; Overlay.Cluster's own are 900–929).</summary>
internal static partial class ClusterLog
{
    [LoggerMessage(930, LogLevel.Information, "cluster: in cluster mode with {Endpoints} (prefix {Prefix}) as {Host}; lease ttl {Ttl} s, peer grace {Grace} s")]
    public static partial void Starting(ILogger logger, string endpoints, string prefix, string host, int ttl, int grace);

    [LoggerMessage(931, LogLevel.Warning, "cluster: disconnected since {Since:o}: keeping the running policy version {Version}, {Peers} peer(s) and their SAs until the store is back")]
    public static partial void Disconnected(ILogger logger, DateTimeOffset since, long version, int peers);

    [LoggerMessage(932, LogLevel.Information, "cluster: policy version {Version} (pushed by {By} at {At:o}): {Result} — {Summary}")]
    public static partial void PolicyOffered(ILogger logger, long version, string by, DateTimeOffset at, string result, string summary);

    [LoggerMessage(933, LogLevel.Warning, "cluster: policy/current is not a valid record ({Problem}); ignored")]
    public static partial void PolicyRecordInvalid(ILogger logger, string problem);

    [LoggerMessage(934, LogLevel.Information, "cluster: peer {Host} admitted at {Address} (ike {IkePort}, natt {NattPort})")]
    public static partial void PeerAdmitted(ILogger logger, string host, string address, int ikePort, int nattPort);

    [LoggerMessage(935, LogLevel.Information, "cluster: {Host} is no longer a peer ({Why}): its SAs are deleted")]
    public static partial void PeerDropped(ILogger logger, string host, string why);

    [LoggerMessage(936, LogLevel.Warning, "cluster: registration of {Host} ignored: {Reason} ({Detail})")]
    public static partial void Ignored(ILogger logger, string host, string reason, string detail);

    [LoggerMessage(937, LogLevel.Information, "cluster: the registration of {Host} went: it stays a peer until {DropAt:o} unless it comes back")]
    public static partial void PeerInGrace(ILogger logger, string host, DateTimeOffset dropAt);

    [LoggerMessage(938, LogLevel.Error, "cluster: cannot write the store's policy to {Path}: {Problem}")]
    public static partial void PolicyFileFailed(ILogger logger, string path, string problem);

    [LoggerMessage(939, LogLevel.Warning, "cluster: peer {Host} is also a [[dataplane.peer]] (by name or address): the configured one is used")]
    public static partial void Shadowed(ILogger logger, string host);

    [LoggerMessage(940, LogLevel.Error, "cluster: a pass of the cluster loop failed unexpectedly; retrying")]
    public static partial void PassFailed(ILogger logger, Exception exception);

    [LoggerMessage(941, LogLevel.Warning, "cluster: cannot write results/{Host} ({Problem}); written when the store is back")]
    public static partial void ResultNotWritten(ILogger logger, string host, string problem);
}
