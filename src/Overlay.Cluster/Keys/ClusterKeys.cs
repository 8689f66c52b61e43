using System.Globalization;

namespace Overlay.Cluster.Keys;

/// <summary>
/// The cluster's key layout under one prefix (docs/cluster.md, "Key layout"). Every key a component reads or writes
/// is made here; a host name becomes part of a key only after <see cref="ClusterNames.IsValidHost"/> said yes.
/// </summary>
public sealed class ClusterKeys
{
    public const string DefaultPrefix = "/tvd-overlay/";

    /// <summary>Longest prefix accepted: keys stay small (etcd keeps every key in memory, in its index).</summary>
    public const int MaxPrefixLength = 128;

    /// <summary>How many policy history entries a push keeps (the newest).</summary>
    public const int PolicyHistoryKept = 10;

    private ClusterKeys(string prefix) => Prefix = prefix;

    public string Prefix { get; }

    public string PolicyCurrent => Prefix + "policy/current";
    public string PolicyHistoryPrefix => Prefix + "policy/history/";
    public string HostsPrefix => Prefix + "hosts/";
    public string ResultsPrefix => Prefix + "results/";
    public string EnrollPrefix => Prefix + "enroll/";
    public string EpochLeader => Prefix + "epoch/leader";
    public string EpochCurrent => Prefix + "epoch/current";

    /// <summary>History key of a version: 20 digits, so the keys sort by version.</summary>
    public string PolicyHistory(long version)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(version);
        return PolicyHistoryPrefix + version.ToString("D20", CultureInfo.InvariantCulture);
    }

    public string Host(string host) => HostsPrefix + CheckedHost(host);
    public string Result(string host) => ResultsPrefix + CheckedHost(host);
    public string Enroll(string host) => EnrollPrefix + CheckedHost(host);

    /// <summary>The default layout, <c>/tvd-overlay/</c>.</summary>
    public static ClusterKeys Default { get; } = new(DefaultPrefix);

    /// <summary>A layout under <paramref name="prefix"/>: it must start and end with '/', be at most
    /// <see cref="MaxPrefixLength"/> characters of printable ASCII without whitespace, and contain no "//".</summary>
    public static bool TryCreate(string prefix, out ClusterKeys keys, out string error)
    {
        keys = Default;
        if (prefix.Length < 1 || prefix[0] != '/' || prefix[^1] != '/')
        {
            error = "prefix must start and end with '/'";
            return false;
        }

        if (prefix.Length > MaxPrefixLength)
        {
            error = $"prefix is longer than {MaxPrefixLength} characters";
            return false;
        }

        foreach (char c in prefix)
        {
            if (c <= ' ' || c > '~')
            {
                error = "prefix must be printable ASCII without spaces";
                return false;
            }
        }

        if (prefix.Contains("//", StringComparison.Ordinal))
        {
            error = "prefix must not contain an empty segment (\"//\")";
            return false;
        }

        keys = new ClusterKeys(prefix);
        error = "";
        return true;
    }

    /// <summary>The host name at the end of a key under <paramref name="keyPrefix"/> (e.g. <see cref="HostsPrefix"/>),
    /// or false when the key is not directly under it or its last segment is not a valid host name.</summary>
    public static bool TryHostFromKey(string keyPrefix, string key, out string host)
    {
        host = "";
        if (!key.StartsWith(keyPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        string rest = key[keyPrefix.Length..];
        if (!ClusterNames.IsValidHost(rest))
        {
            return false;
        }

        host = rest;
        return true;
    }

    /// <summary>The version of a history key, or false.</summary>
    public bool TryHistoryVersion(string key, out long version)
    {
        version = 0;
        if (!key.StartsWith(PolicyHistoryPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        string digits = key[PolicyHistoryPrefix.Length..];
        return digits.Length == 20
            && long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out version)
            && version > 0;
    }

    private static string CheckedHost(string host)
    {
        if (!ClusterNames.IsValidHost(host))
        {
            throw new ArgumentException($"'{host}' is not a valid host name for a cluster key", nameof(host));
        }

        return host;
    }
}
