using Overlay.Daemon.Configuration;

namespace Overlay.Daemon.Hosting;

/// <summary>The daemon's command line: <c>tvd-overlayd [--config PATH]</c>, plus --help and --version.</summary>
public sealed record DaemonArguments(string ConfigFile, bool ShowHelp, bool ShowVersion)
{
    public const string Usage =
        "usage: tvd-overlayd [--config PATH]\n" +
        "  --config PATH   daemon config (default " + DaemonConfig.DefaultConfigFile + ")\n" +
        "  --version       print the version and exit\n" +
        "  --help          print this help and exit\n" +
        "signals: SIGHUP reloads the policy, SIGTERM stops. See docs/daemon.md.";

    /// <summary>Returns the arguments, or null with <paramref name="error"/> set.</summary>
    public static DaemonArguments? Parse(IReadOnlyList<string> args, out string? error)
    {
        string config = DaemonConfig.DefaultConfigFile;
        bool help = false, version = false;
        error = null;
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            switch (arg)
            {
                case "--help" or "-h":
                    help = true;
                    break;
                case "--version":
                    version = true;
                    break;
                case "--config" or "-c":
                    if (i + 1 >= args.Count || args[i + 1].Length == 0)
                    {
                        error = $"{arg} needs a path";
                        return null;
                    }

                    config = args[++i];
                    break;
                default:
                    if (arg.StartsWith("--config=", StringComparison.Ordinal) && arg.Length > "--config=".Length)
                    {
                        config = arg["--config=".Length..];
                        break;
                    }

                    error = $"unknown argument '{arg}'";
                    return null;
            }
        }

        return new DaemonArguments(config, help, version);
    }
}
