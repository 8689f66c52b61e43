using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Overlay.Daemon.AttestHost;
using Overlay.Daemon.Configuration;
using Overlay.Daemon.Control;
using Overlay.Daemon.DataPlaneHost;
using Overlay.Daemon.GuestHost;
using Overlay.Daemon.Hosting;
using Overlay.Daemon.Policy;
using Overlay.Daemon.Status;
using Overlay.DataPlane.Interop;

// tvd-overlayd: the per-host TVD Overlay daemon. Order matters: command line, config and policy are all
// checked before anything is bound, so bad input exits 2 with every error and leaves nothing behind.
DaemonArguments? arguments = DaemonArguments.Parse(args, out string? argumentError);
if (arguments is null)
{
    Console.Error.WriteLine($"tvd-overlayd: {argumentError}");
    Console.Error.WriteLine(DaemonArguments.Usage);
    return DaemonExitCodes.BadInput;
}

if (arguments.ShowHelp || arguments.ShowVersion)
{
    Console.WriteLine(arguments.ShowHelp ? DaemonArguments.Usage : $"tvd-overlayd {DaemonStatusSection.Version}");
    return DaemonExitCodes.Ok;
}

ConfigLoadResult config = DaemonConfigLoader.LoadFile(arguments.ConfigFile);
if (!config.Succeeded)
{
    foreach (ConfigError error in config.Errors)
    {
        Console.Error.WriteLine(error);
    }

    Console.Error.WriteLine($"tvd-overlayd: {config.Errors.Count} error(s) in config; not started");
    return DaemonExitCodes.BadInput;
}

PolicyBootstrapResult policy = PolicyBootstrap.Load(config.Config!, TimeProvider.System.GetUtcNow());
foreach (string warning in policy.Warnings)
{
    Console.Error.WriteLine(warning);
}

if (policy.Policy is null)
{
    foreach (string error in policy.Errors)
    {
        Console.Error.WriteLine(error);
    }

    Console.Error.WriteLine($"tvd-overlayd: {policy.Errors.Count} error(s) in policy; not started");
    return DaemonExitCodes.BadInput;
}

if (config.Config!.DataPlane is { } dataPlane)
{
    // [dataplane] names peers and TVDs; they must exist before any socket is opened.
    var bindErrors = new List<ConfigError>();
    if (DataPlaneBinder.Bind(dataPlane, policy.Policy.Policy, bindErrors) is null)
    {
        foreach (ConfigError error in bindErrors)
        {
            Console.Error.WriteLine(error);
        }

        Console.Error.WriteLine($"tvd-overlayd: {bindErrors.Count} error(s) in [dataplane]; not started");
        return DaemonExitCodes.BadInput;
    }
}

{
    // [[guest]] names guests and networks of the policy; checked before any guest is defined.
    var guestErrors = new List<ConfigError>();
    if (!GuestBinder.Check(config.Config!, policy.Policy.Policy, guestErrors))
    {
        foreach (ConfigError error in guestErrors)
        {
            Console.Error.WriteLine(error);
        }

        Console.Error.WriteLine($"tvd-overlayd: {guestErrors.Count} error(s) in [[guest]]; not started");
        return DaemonExitCodes.BadInput;
    }
}

try
{
    Directory.CreateDirectory(config.Config!.StateDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"tvd-overlayd: cannot create state_dir {config.Config!.StateDirectory}: {e.Message}");
    return DaemonExitCodes.Failed;
}

try
{
    // The runtime directory (control socket) is checked before any subsystem starts: a swtpm is never started for a
    // daemon that cannot listen (docs/daemon.md, start-up order). ControlSocketService binds it later.
    ControlSocketListener.Check(config.Config!.ControlSocket, new ControlAccess(
        Overlay.Common.Interop.Unix.Interop.LibC.GetEffectiveUserId(), config.Config!.ControlGroup, config.Config!.ControlGroupName));
}
catch (ControlSocketException e)
{
    Console.Error.WriteLine($"tvd-overlayd: {e.Message}");
    return DaemonExitCodes.Failed;
}

using IHost host = DaemonHost.Build(config.Config!, policy.Policy);
try
{
    // Static outbound SAs continue above the sequence numbers (AES-GCM IVs) earlier runs reserved, or nothing starts.
    host.Services.GetRequiredService<StaticSequenceState>().Open();
}
catch (SequenceStartException e)
{
    foreach (ConfigError error in e.Errors)
    {
        Console.Error.WriteLine(error);
    }

    Console.Error.WriteLine($"tvd-overlayd: {e.Errors.Count} static SA(s) cannot keep their sequence numbers; not started");
    return e.BadInput ? DaemonExitCodes.BadInput : DaemonExitCodes.Failed;
}

try
{
    await host.StartAsync();
}
catch (Exception e) when (e is ControlSocketException or NativeSocketException or AttestStartException or GuestStartException or System.Net.Sockets.SocketException
    or Overlay.Daemon.IkeHost.IkeStartException
    or Overlay.Daemon.Metrics.MetricsStartException)
{
    // The underlay socket could not be bound (address not on this host, port taken, no CAP_NET_RAW), or
    // the TPM could not be reached; whatever had started was stopped by its own StartAsync or by disposal.
    Console.Error.WriteLine($"tvd-overlayd: {e.Message}");
    return DaemonExitCodes.Failed;
}

await host.WaitForShutdownAsync();
return Environment.ExitCode;
