using Microsoft.Extensions.Logging;

namespace Overlay.Daemon.Policy;

/// <summary>Source-generated log lines of the policy subsystem (event ids 1xx).</summary>
internal static partial class PolicyLog
{
    [LoggerMessage(100, LogLevel.Information, "enforcing policy '{Policy}' version {Version} from {Source}")]
    public static partial void Enforcing(ILogger logger, string policy, long version, string source);

    [LoggerMessage(101, LogLevel.Information, "policy '{Policy}': tvd {Tvd} vlan {Vlan} label '{Label}' type {Type}")]
    public static partial void EnforcingTvd(ILogger logger, string policy, string tvd, int vlan, string label, string type);

    [LoggerMessage(102, LogLevel.Information, "policy '{Policy}': host {Host} may run {Types}")]
    public static partial void EnforcingHost(ILogger logger, string policy, string host, string types);

    [LoggerMessage(103, LogLevel.Information, "this host is '{Host}' and may run {Types}")]
    public static partial void ThisHost(ILogger logger, string host, string types);

    [LoggerMessage(104, LogLevel.Warning, "policy: {Warning}")]
    public static partial void PolicyWarning(ILogger logger, string warning);

    [LoggerMessage(110, LogLevel.Information, "SIGHUP: reloading {File} over policy '{Policy}' version {Version}")]
    public static partial void ReloadRequested(ILogger logger, string file, string policy, long version);

    [LoggerMessage(111, LogLevel.Error, "reload refused: {Problem}")]
    public static partial void ReloadProblem(ILogger logger, string problem);

    [LoggerMessage(112, LogLevel.Warning, "reload refused; still enforcing policy '{Policy}' version {Version}: {Summary}")]
    public static partial void ReloadRefused(ILogger logger, string policy, long version, string summary);

    [LoggerMessage(113, LogLevel.Information, "reload committed: policy '{Policy}' version {From} -> {To}: {Summary}")]
    public static partial void ReloadCommitted(ILogger logger, string policy, long from, long to, string summary);

    [LoggerMessage(114, LogLevel.Error, "policy reload loop failed; the running policy stays")]
    public static partial void ReloadLoopFailed(ILogger logger, Exception exception);
}
