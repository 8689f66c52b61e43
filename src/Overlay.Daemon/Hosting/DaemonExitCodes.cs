namespace Overlay.Daemon.Hosting;

/// <summary>Process exit codes, matching tvdctl's where they overlap (2 = bad input).</summary>
public static class DaemonExitCodes
{
    /// <summary>Stopped cleanly (SIGTERM/SIGINT).</summary>
    public const int Ok = 0;

    /// <summary>Started with good input but the environment failed (e.g. the control socket could not be bound).</summary>
    public const int Failed = 1;

    /// <summary>Bad command line, config or policy: every error printed, nothing started.</summary>
    public const int BadInput = 2;
}
