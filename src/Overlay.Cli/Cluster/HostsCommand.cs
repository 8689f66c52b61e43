using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Overlay.Cli.Output;
using Overlay.Cluster.Inventory;
using Overlay.Cluster.Keys;
using Overlay.Cluster.Records;
using Overlay.Cluster.Store;
using Overlay.Labels.Loading;

namespace Overlay.Cli.Cluster;

/// <summary>
/// <c>tvdctl hosts --cluster … [--json]</c>: the cluster's host inventory from the store — every registration (live:
/// under a lease) with its underlay, ports, AK, TPM, TVDs and lease time left, judged by Overlay.Cluster's
/// <see cref="HostInventory"/> against the store's current policy as every daemon judges it: <c>admitted</c>, or
/// <c>ignored</c> with the reason (<c>not_enrolled</c>, <c>ak_mismatch</c>, <c>not_in_policy</c>, <c>invalid_record</c>);
/// and the enrolled hosts that have no registration. Exit 0. Without <c>--cluster</c> (and <c>TVD_CLUSTER</c>), the
/// local daemon's own view (<see cref="HostsDaemonView"/>).
/// </summary>
internal static class HostsCommand
{
    private const string Verb = "hosts";

    /// <summary>Lease look-ups in flight at once (one per registration).</summary>
    private const int LeaseQueries = 16;

    public static Command Create()
    {
        var options = new ClusterOptions();
        var json = JsonOutput.Option();
        var socket = Attest.AttestOptions.Socket();
        socket.Description = "Without --cluster (and TVD_CLUSTER): the daemon whose view to show";
        var command = new Command("hosts",
            "List the cluster's host inventory: with --cluster from the store (admitted or ignored with why, enrollments), else as the local daemon judged it");
        options.AddTo(command);
        command.Options.Add(socket);
        command.Options.Add(json);
        command.SetAction((parse, ct) =>
        {
            // --socket given asks the daemon even with TVD_CLUSTER set; with --cluster too, one of them would be ignored.
            var socketGiven = parse.GetResult(socket) is { Implicit: false };
            if (socketGiven && parse.GetValue(options.Cluster) is { Length: > 0 })
            {
                return Task.FromResult(ClusterVerb.Fail(Verb, "give --cluster (the store's view) or --socket (a daemon's view), not both", ExitCodes.BadInput));
            }

            return !socketGiven && options.IsGiven(parse)
                ? ClusterVerb.RunAsync(Verb, options, parse, (connection, keys, store, token) => RunAsync(parse.GetValue(json), connection, keys, store, token), ct)
                : HostsDaemonView.RunAsync(parse.GetValue(socket)!, parse.GetValue(json), ct);
        });
        return command;
    }

    private static async Task<int> RunAsync(bool json, ClusterConnection connection, ClusterKeys keys, IClusterStore store, CancellationToken ct)
    {
        var policy = await ReadPolicyAsync(keys, store, ct);
        var hosts = await store.GetPrefixAsync(keys.HostsPrefix, ct);
        var enrollments = await store.GetPrefixAsync(keys.EnrollPrefix, ct);
        var input = HostInventory.InputFrom(keys, hosts.Kvs, enrollments.Kvs, policy.Hosts, policy.RequireAk);
        var (admitted, ignored) = HostInventory.Judge(input, self: "");
        var ttls = await LeaseTtlsAsync(store, keys, hosts.Kvs, ct);
        var rows = Rows(input, admitted, ignored, ttls);
        var unregistered = input.Enrollments.Keys.Where(h => !input.Registrations.ContainsKey(h)).Order(StringComparer.Ordinal).ToList();
        if (policy.Warning is not null)
        {
            Console.Error.WriteLine($"tvdctl: {Verb}: warning: {policy.Warning}");
        }

        if (hosts.More || enrollments.More)
        {
            Console.Error.WriteLine($"tvdctl: {Verb}: warning: more than {StoreLimits.MaxRangeKeys} keys under {keys.HostsPrefix} or {keys.EnrollPrefix}: " +
                "only the first are shown");
        }

        if (json)
        {
            Write(connection, keys, Math.Max(hosts.Revision, enrollments.Revision), policy.Version, rows, unregistered);
        }
        else
        {
            Print(policy.Version, rows, unregistered);
        }

        return ExitCodes.Ok;
    }

    internal sealed record StorePolicy(long? Version, IReadOnlySet<string> Hosts, bool RequireAk, string? Warning);

    /// <summary>
    /// The store's current policy as the inventory needs it: its host names and whether any TVD requires attestation,
    /// loaded by the same loader as a file. None, or one that does not load: no host is in the policy.
    /// </summary>
    internal static async Task<StorePolicy> ReadPolicyAsync(ClusterKeys keys, IClusterStore store, CancellationToken ct)
    {
        var none = new HashSet<string>(StringComparer.Ordinal);
        var read = await store.GetAsync(keys.PolicyCurrent, ct);
        if (read.Kv is null)
        {
            return new StorePolicy(null, none, false, $"no policy in the store ({keys.PolicyCurrent}): every host is not_in_policy");
        }

        if (!PolicyRecord.TryParse(read.Kv.Value, out var record, out var error))
        {
            return new StorePolicy(null, none, false, $"{keys.PolicyCurrent} is not a valid policy record ({error}): every host is not_in_policy");
        }

        var loaded = PolicyLoader.Load(record.Toml, keys.PolicyCurrent);
        if (!loaded.Succeeded)
        {
            return new StorePolicy(record.Version, none, false,
                $"the store's policy version {record.Version} does not load ({loaded.Errors.First()}): every host is not_in_policy");
        }

        var policy = loaded.Policy!;
        return new StorePolicy(record.Version, policy.Hosts.Select(h => h.Name).ToHashSet(StringComparer.Ordinal),
            policy.Tvds.Any(t => t.Attestation is not null), null);
    }

    private static async Task<Dictionary<string, long?>> LeaseTtlsAsync(IClusterStore store, ClusterKeys keys, IReadOnlyList<StoreKeyValue> hosts,
        CancellationToken ct)
    {
        var ttls = new Dictionary<string, long?>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(hosts, new ParallelOptions { MaxDegreeOfParallelism = LeaseQueries, CancellationToken = ct }, async (kv, token) =>
        {
            long? ttl = kv.Lease == 0 ? null : await store.LeaseTimeToLiveAsync(kv.Lease, token);
            lock (ttls)
            {
                ttls[kv.Key[keys.HostsPrefix.Length..]] = ttl is < 0 ? null : ttl;
            }
        });
        return ttls;
    }

    internal sealed record HostRow(string Host, IgnoredHost? Ignored, HostRegistration? Registration, Enrollment? Enrollment, long? LeaseTtl)
    {
        public string State => Ignored is null ? "admitted" : "ignored";
    }

    private static List<HostRow> Rows(InventoryInput input, IReadOnlyList<AdmittedPeer> admitted, IReadOnlyList<IgnoredHost> ignored,
        Dictionary<string, long?> ttls)
    {
        var rows = new List<HostRow>();
        foreach (var peer in admitted)
        {
            rows.Add(new HostRow(peer.Host, null, peer.Registration, peer.Enrollment, ttls.GetValueOrDefault(peer.Host)));
        }

        foreach (var skip in ignored)
        {
            HostRegistration.TryParse(input.Registrations[skip.Host].Span, out var registration, out _);
            Enrollment? enrollment = input.Enrollments.TryGetValue(skip.Host, out var e) && Enrollment.TryParse(e.Span, out var parsed, out _) ? parsed : null;
            rows.Add(new HostRow(skip.Host, skip, registration, enrollment, ttls.GetValueOrDefault(skip.Host)));
        }

        rows.Sort((a, b) => string.CompareOrdinal(a.Host, b.Host));
        return rows;
    }

    private static void Print(long? policyVersion, List<HostRow> rows, List<string> unregistered)
    {
        var admitted = rows.Count(r => r.Ignored is null);
        Console.WriteLine($"{rows.Count} registered host{(rows.Count == 1 ? "" : "s")}, {admitted} admitted, {rows.Count - admitted} ignored " +
            $"(judged against {(policyVersion is { } v ? $"policy version {v.ToString(CultureInfo.InvariantCulture)}" : "no policy")})");
        if (rows.Count > 0)
        {
            Table.Write(Console.Out, ["HOST", "STATE", "UNDERLAY", "IKE/NAT-T", "AK", "TPM", "TVDS", "LEASE"], rows.Select(r => (IReadOnlyList<string>)
            [
                r.Host,
                r.Ignored is null ? "admitted" : $"ignored: {r.Ignored.Reason.ToWire()}",
                r.Registration is null ? "-" : string.Join(',', r.Registration.Underlay),
                r.Registration is null ? "-" : $"{r.Registration.IkePort}/{r.Registration.NattPort}",
                r.Registration is null ? "-" : Ak(r.Registration.AkSha256),
                r.Registration?.Tpm ?? "-",
                r.Registration is null ? "-" : string.Join(',', r.Registration.Tvds),
                r.LeaseTtl is { } ttl ? $"{ttl}s" : "-",
            ]));
        }

        foreach (var r in rows.Where(r => r.Ignored is not null))
        {
            Console.WriteLine($"{r.Host}: {r.Ignored!.Reason.ToWire()}: {r.Ignored.Detail}");
        }

        if (unregistered.Count > 0)
        {
            Console.WriteLine($"enrolled, not registered: {string.Join(", ", unregistered)}");
        }
    }

    private static string Ak(string sha256) => sha256.Length == 0 ? "none" : $"sha256:{sha256[..16]}…";

    private static void Write(ClusterConnection connection, ClusterKeys keys, long revision, long? policyVersion, List<HostRow> rows,
        List<string> unregistered) =>
        JsonOutput.Write(Console.Out, w =>
        {
            w.WriteStartObject();
            w.WriteString("source", "cluster");
            w.WriteString("endpoints", connection.EndpointList);
            w.WriteString("prefix", keys.Prefix);
            w.WriteNumber("revision", revision);
            Number(w, "policy_version", policyVersion);
            w.WriteStartArray("hosts");
            foreach (var r in rows)
            {
                WriteRow(w, r);
            }

            w.WriteEndArray();
            w.WriteStrings("enrolled_not_registered", unregistered);
            w.WriteEndObject();
        });

    private static void WriteRow(Utf8JsonWriter w, HostRow r)
    {
        var g = r.Registration;
        w.WriteStartObject();
        w.WriteString("host", r.Host);
        w.WriteString("state", r.State);
        w.WriteStringOrNull("reason", r.Ignored?.Reason.ToWire());
        w.WriteStringOrNull("detail", r.Ignored?.Detail);
        w.WriteStrings("underlay", g?.Underlay ?? []);
        Number(w, "ike_port", g?.IkePort);
        Number(w, "natt_port", g?.NattPort);
        w.WriteStringOrNull("ak_sha256", g is null || g.AkSha256.Length == 0 ? null : g.AkSha256);
        w.WriteStringOrNull("tpm", g?.Tpm);
        w.WriteStrings("tvds", g?.Tvds ?? []);
        w.WriteStringOrNull("daemon_version", g?.DaemonVersion);
        if (g is null)
        {
            w.WriteNull("registered_at");
        }
        else
        {
            w.WriteTime("registered_at", g.RegisteredAt);
        }

        Number(w, "lease_ttl_s", r.LeaseTtl);
        if (r.Enrollment is null)
        {
            w.WriteNull("enrollment");
        }
        else
        {
            w.WriteStartObject("enrollment");
            w.WriteStringOrNull("ak_sha256", r.Enrollment.AkSha256.Length == 0 ? null : r.Enrollment.AkSha256);
            w.WriteString("enrolled_by", r.Enrollment.EnrolledBy);
            w.WriteTime("enrolled_at", r.Enrollment.EnrolledAt);
            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    private static void Number(Utf8JsonWriter w, string name, long? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
