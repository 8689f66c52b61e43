using Microsoft.Extensions.Logging;

namespace Overlay.Daemon.ClusterHost;

/// <summary>The cluster subsystem's log lines (events 900–919).</summary>
internal static partial class ClusterLog
{
    [LoggerMessage(900, LogLevel.Information, "cluster: connected to {Endpoints} (prefix {Prefix}); registered as {Host} under lease {Lease:x} (ttl {Ttl} s)")]
    public static partial void Connected(ILogger logger, string endpoints, string prefix, string host, long lease, int ttl);

    [LoggerMessage(901, LogLevel.Warning, "cluster: disconnected since {Since:o} ({Kind}: {Message}); keeping the running policy {Version}, {Peers} peer(s) and their SAs until the store is back")]
    public static partial void Disconnected(ILogger logger, DateTimeOffset since, string kind, string message, long version, int peers);

    [LoggerMessage(902, LogLevel.Information, "cluster: policy version {Version} (pushed by {By} at {At:o}) offered: {Result} — {Summary}")]
    public static partial void PolicyOffered(ILogger logger, long version, string by, DateTimeOffset at, string result, string summary);

    [LoggerMessage(903, LogLevel.Warning, "cluster: policy/current is not a valid record ({Problem}); ignored")]
    public static partial void PolicyRecordInvalid(ILogger logger, string problem);

    [LoggerMessage(904, LogLevel.Information, "cluster: peer {Host} admitted at {Address} (ike {IkePort}, natt {NattPort})")]
    public static partial void PeerAdmitted(ILogger logger, string host, string address, int ikePort, int nattPort);

    [LoggerMessage(905, LogLevel.Information, "cluster: peer {Host} is no longer a peer ({Why})")]
    public static partial void PeerDropped(ILogger logger, string host, string why);

    [LoggerMessage(906, LogLevel.Warning, "cluster: registration of {Host} ignored: {Reason} ({Detail})")]
    public static partial void Ignored(ILogger logger, string host, string reason, string detail);

    [LoggerMessage(907, LogLevel.Information, "cluster: the registration of {Host} went (lease expired?): its SAs go in {Grace} s unless it comes back")]
    public static partial void PeerInGrace(ILogger logger, string host, int grace);

    [LoggerMessage(908, LogLevel.Warning, "cluster: our lease {Lease:x} was gone (the store lost it: restart or long partition); registered again under {NewLease:x}")]
    public static partial void Reregistered(ILogger logger, long lease, long newLease);

    [LoggerMessage(909, LogLevel.Error, "cluster: cannot write the store's policy to {Path}: {Problem}")]
    public static partial void PolicyFileFailed(ILogger logger, string path, string problem);

    [LoggerMessage(910, LogLevel.Warning, "cluster: peer {Host} is also a [[dataplane.peer]] (by name or address): the configured one is used")]
    public static partial void Shadowed(ILogger logger, string host);

    [LoggerMessage(911, LogLevel.Error, "cluster: the cluster session failed unexpectedly; retrying")]
    public static partial void SessionFailed(ILogger logger, Exception exception);

    [LoggerMessage(912, LogLevel.Information, "cluster: the store's revision {Revision} was compacted: {Prefix} read again whole")]
    public static partial void Compacted(ILogger logger, long revision, string prefix);
}
