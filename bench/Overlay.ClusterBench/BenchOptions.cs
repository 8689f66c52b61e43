using System.Globalization;

namespace Overlay.ClusterBench;

/// <summary>tvd-clusterbench's command line (Program.cs prints the usage).</summary>
public sealed class BenchOptions
{
    public required IReadOnlyList<Uri> Endpoints { get; init; }
    public int Hosts { get; init; } = 100;
    public int Channels { get; init; } = 8;
    public int Rounds { get; init; } = 5;
    public int LeaseTtlSeconds { get; init; } = 10;
    public int SteadySeconds { get; init; } = 5;
    public string Prefix { get; init; } = "/tvd-bench/";
    public int TimeoutSeconds { get; init; } = 60;
    public double GoalP99Ms { get; init; } = 2000;

    /// <summary>How many hosts the pushed policy names: all of them (default, what a real cluster's policy does), or
    /// fewer (to separate the cost of the record's size from that of the number of watchers).</summary>
    public int PolicyHosts { get; init; } = -1;

    public static BenchOptions Parse(string[] args)
    {
        IReadOnlyList<Uri>? endpoints = null;
        int hosts = 100, channels = 8, rounds = 5, ttl = 10, steady = 5, timeout = 60, policyHosts = -1;
        double goal = 2000;
        string prefix = "/tvd-bench/";
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int(int min, int max)
            {
                string name = args[i];
                string v = Value();
                return int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= min && n <= max
                    ? n
                    : throw new ArgumentException($"{name}: '{v}' is not a whole number in {min}-{max}");
            }

            switch (args[i])
            {
                case "--endpoints":
                    endpoints = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                        .Select(u => Uri.TryCreate(u, UriKind.Absolute, out var uri) ? uri : throw new ArgumentException($"--endpoints: '{u}' is not a URL"))
                        .ToArray();
                    break;
                case "--hosts": hosts = Int(1, 20_000); break;
                case "--channels": channels = Int(1, 20_000); break;
                case "--rounds": rounds = Int(1, 100); break;
                case "--lease-ttl": ttl = Int(2, 3600); break;
                case "--steady-seconds": steady = Int(1, 600); break;
                case "--timeout": timeout = Int(1, 3600); break;
                case "--goal-p99-ms": goal = Int(1, 3_600_000); break;
                case "--prefix": prefix = Value(); break;
                case "--policy-hosts": policyHosts = Int(0, 20_000); break;
                default: throw new ArgumentException($"unknown option '{args[i]}'");
            }
        }

        if (endpoints is null || endpoints.Count == 0)
        {
            throw new ArgumentException("--endpoints URL[,URL...] is required");
        }

        return new BenchOptions
        {
            Endpoints = endpoints,
            Hosts = hosts,
            Channels = Math.Min(channels, hosts),
            Rounds = rounds,
            LeaseTtlSeconds = ttl,
            SteadySeconds = steady,
            Prefix = prefix,
            TimeoutSeconds = timeout,
            GoalP99Ms = goal,
            PolicyHosts = policyHosts < 0 ? hosts : policyHosts,
        };
    }
}
