using System.Globalization;
using System.Net;
using Overlay.Ike;

namespace Overlay.IkeBench;

/// <summary>
/// Command line of the driver: "--name value" pairs after the mode. Kept hand-rolled (no
/// System.CommandLine) because the lab script is its only caller and the set is small.
/// </summary>
public sealed class BenchOptions
{
    private readonly Dictionary<string, string> _values;

    private BenchOptions(string mode, Dictionary<string, string> values)
    {
        Mode = mode;
        _values = values;
    }

    /// <summary>respond | rate | serial | storm | attested.</summary>
    public string Mode { get; }

    public IPAddress Local => IPAddress.Parse(Get("local"));

    public IPAddress Remote => IPAddress.Parse(Get("remote"));

    /// <summary>
    /// Where the initiator sends: <c>--target ADDR[:PORT]</c> (port 500 by default), else <c>--remote</c> on port 500.
    /// Port 4500 puts every message behind the non-ESP marker on the NAT-T port (RFC 3948), where a daemon
    /// shares its socket with ESP.
    /// </summary>
    public IPEndPoint Peer => _values.TryGetValue("target", out var t)
        ? IPEndPoint.TryParse(t, out var ep) ? new IPEndPoint(ep.Address, ep.Port == 0 ? IkeConstants.IkePort : ep.Port)
            : throw new FormatException($"--target {t}: expected ADDR[:PORT]")
        : new IPEndPoint(Remote, IkeConstants.IkePort);

    /// <summary>storm: the local address to send from; default the one the kernel routes <see cref="Peer"/> from.</summary>
    public IPAddress? Bind => _values.TryGetValue("bind", out var b) ? IPAddress.Parse(b) : null;

    /// <summary>The TVD label (RFC 9478) the CHILD_SAs ask for.</summary>
    public string Label => Get("label", BenchConfig.Label);

    public string LocalId => Get("local-id", "hostA");

    public string RemoteId => Get("remote-id", "hostB");

    public string Psk => Get("psk", "tikb-bench-psk-not-secret-0123456789");

    /// <summary>Which side of the protected subnets we are: a (10.10.1.0/24) or b (10.10.2.0/24).</summary>
    public string Side => Get("side", "a");

    /// <summary>IKE key exchange: 31 (Curve25519) or 19 (ECP-256).</summary>
    public int Group => Int("group", 31);

    public int Total => Int("total", 500);

    public int Window => Int("window", 16);

    public int Reps => Int("reps", 3);

    public int Count => Int("n", 20);

    /// <summary>Least time the initiator spends warming up both sides before it measures.</summary>
    public TimeSpan WarmUp => TimeSpan.FromSeconds(Int("warmup-seconds", 3));

    /// <summary>
    /// IKE worker threads (default: the daemon's default). <c>--workers 1</c> serialises every exchange of the
    /// responder, which is what the lab's ss-ours-lock variant compares against.
    /// </summary>
    public int Workers => Int("workers", Overlay.Ike.Net.IkeTransportOptions.Default.Workers);

    /// <summary>storm: IKE_SA_INITs per second that are never continued.</summary>
    public double HalfOpenRate => Double("half-open-rate", 200);

    /// <summary>storm: IKE_SA_INIT + IKE_AUTH + CHILD_SA setups per second, each deleted once up.</summary>
    public double FullRate => Double("full-rate", 100);

    /// <summary>storm: how long new work is started.</summary>
    public TimeSpan StormTime => TimeSpan.FromSeconds(Double("seconds", 10));

    /// <summary>storm: a setup without its CHILD_SA after this long counts as failed.</summary>
    public TimeSpan SetupTimeout => TimeSpan.FromSeconds(Double("setup-timeout", 5));

    /// <summary>storm: full setups in flight at most; a paced start that finds none free is skipped and counted.</summary>
    public int MaxInFlight => Int("max-in-flight", 64);

    /// <summary>
    /// storm: <c>--spoof-random-sources 10.200.0.0/24[,10.200.0.2/32...]</c> — forge each IKE_SA_INIT's source address,
    /// drawn at random from a random one of these prefixes (<see cref="SpoofedFlood"/>); empty when not given.
    /// </summary>
    public IReadOnlyList<(IPAddress Network, int Length)> SpoofPrefixes => _values.TryGetValue("spoof-random-sources", out var text)
        ? [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ParsePrefix)]
        : [];

    /// <summary>storm with spoofed sources: how many requests to send at most.</summary>
    public int SpoofCount => Int("count", 10_000);

    /// <summary>storm with spoofed sources: the share of requests sent without their Ni payload.</summary>
    public double MalformedFraction => Double("malformed-fraction", 0.5);

    /// <summary>attested: milliseconds added to every quote of the slow-TPM variant.</summary>
    public int QuoteDelayMs => Int("quote-delay-ms", 200);

    /// <summary>attested: rounds, each running every variant once.</summary>
    public int Rounds => Int("rounds", 3);

    /// <summary>Hard bound on the whole run (responder: how long it serves at most).</summary>
    public TimeSpan MaxTime => TimeSpan.FromSeconds(Int("max-seconds", 300));

    public static BenchOptions Parse(string[] args)
    {
        if (args.Length == 0 || args[0] is not ("respond" or "rate" or "serial" or "storm" or "attested"))
        {
            throw new ArgumentException("usage: tvd-ikebench respond|rate|serial --local IP [--remote IP] [--side a|b] [--group 31|19] "

                + "[--total 500 --window 16 --reps 3] [--n 20] [--local-id hostA --remote-id hostB --psk S] [--warmup-seconds 3] [--workers N] [--max-seconds 300]\n"
                + "       tvd-ikebench storm --target ADDR[:PORT] [--half-open-rate 200] [--full-rate 100] [--seconds 10] [--bind ADDR] "
                + "[--local-id hostA --remote-id hostB --psk S --label tvd:red] [--group 31|19] [--setup-timeout 5] [--max-in-flight 64]\n"
                + "       tvd-ikebench storm --target ADDR[:PORT] --spoof-random-sources PREFIX[,PREFIX] [--count 10000] "
                + "[--malformed-fraction 0.5] [--half-open-rate 200] [--seconds 10]   (root: raw socket)\n"
                + "       tvd-ikebench attested [--total 300 --window 16 --n 20 --rounds 3 --warmup-seconds 3 --quote-delay-ms 200]");
        }

        var values = new Dictionary<string, string>();
        for (var i = 1; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"expected --name value at '{args[i]}'");
            }

            values[args[i][2..]] = args[i + 1];
        }

        return new BenchOptions(args[0], values);
    }

    private static (IPAddress Network, int Length) ParsePrefix(string text)
    {
        var parts = text.Split('/');
        if (parts.Length != 2 || !IPAddress.TryParse(parts[0], out var network) || network.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork
            || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out var length) || length is < 0 or > 32)
        {
            throw new FormatException($"--spoof-random-sources: '{text}' is not an IPv4 prefix (ADDR/LEN)");
        }

        return (network, length);
    }

    private string Get(string name, string? fallback = null)
        => _values.TryGetValue(name, out var v) ? v : fallback ?? throw new ArgumentException($"--{name} is required");

    private int Int(string name, int fallback)
        => _values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    private double Double(string name, double fallback)
        => _values.TryGetValue(name, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;
}
