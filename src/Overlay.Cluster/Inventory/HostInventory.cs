using Overlay.Cluster.Keys;
using Overlay.Cluster.Records;
using Overlay.Cluster.Store;

namespace Overlay.Cluster.Inventory;

/// <summary>
/// Who is a peer. <see cref="Judge"/> is the pure rule (docs/cluster.md): a registration is a peer only if it parses and
/// names the host of its key, the host is not us, the running policy names it, an enrollment exists for it, and its AK
/// fingerprint equals the enrolled one (an empty enrolled AK — <c>--no-ak</c> — matches only while the policy requires
/// no attestation). An instance adds the one stateful rule: a peer whose registration goes (lease expired, daemon
/// stopped) stays a peer for the grace period, then is dropped; a peer that stops qualifying for any other reason
/// (unenrolled, AK changed, removed from the policy) is dropped at once. Not thread-safe: one owner calls
/// <see cref="Update"/> and <see cref="Tick"/>.
/// </summary>
public sealed class HostInventory
{
    private readonly string _self;
    private readonly TimeSpan _grace;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, AdmittedPeer> _leaving = new(StringComparer.Ordinal);
    private InventoryInput? _input;
    private InventoryView _view = InventoryView.Empty;

    public HostInventory(string self, TimeSpan grace, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(grace, TimeSpan.Zero);
        _self = self;
        _grace = grace;
        _time = time;
    }

    public InventoryView Current => _view;

    /// <summary>When the next grace period ends (call <see cref="Tick"/> then), or null.</summary>
    public DateTimeOffset? NextDrop => _leaving.Count == 0 ? null : _leaving.Values.Min(p => p.DropAt);

    /// <summary>Judge a new input (the store changed, or the policy did).</summary>
    public InventoryView Update(InventoryInput input)
    {
        _input = input;
        return Recompute();
    }

    /// <summary>Re-evaluate grace periods with the same input.</summary>
    public InventoryView Tick() => _input is null ? _view : Recompute();

    /// <summary>The pure rule: admitted peers (sorted by host) and ignored registrations (sorted by host).</summary>
    public static (IReadOnlyList<AdmittedPeer> Admitted, IReadOnlyList<IgnoredHost> Ignored) Judge(InventoryInput input, string self)
    {
        var admitted = new List<AdmittedPeer>();
        var ignored = new List<IgnoredHost>();
        foreach (var (host, value) in input.Registrations.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (JudgeOne(input, self, host, value.Span) is { } reason)
            {
                ignored.Add(reason);
            }
            else
            {
                HostRegistration.TryParse(value.Span, out var registration, out _);
                Enrollment.TryParse(input.Enrollments[host].Span, out var enrollment, out _);
                admitted.Add(new AdmittedPeer(host, registration, enrollment));
            }
        }

        return (admitted, ignored);
    }

    /// <summary>Builds the input from store entries (a prefix read or the watch mirror).</summary>
    public static InventoryInput InputFrom(ClusterKeys keys, IEnumerable<StoreKeyValue> hosts, IEnumerable<StoreKeyValue> enrollments,
        IReadOnlySet<string> policyHosts, bool requireAk) =>
        new(ByHost(keys.HostsPrefix, hosts), ByHost(keys.EnrollPrefix, enrollments), policyHosts, requireAk);

    private static Dictionary<string, ReadOnlyMemory<byte>> ByHost(string prefix, IEnumerable<StoreKeyValue> kvs)
    {
        var map = new Dictionary<string, ReadOnlyMemory<byte>>(StringComparer.Ordinal);
        foreach (var kv in kvs)
        {
            if (!kv.Key.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }
            // A key whose last segment is not a host name still shows up (as invalid_record), bounded for display.
            string host = kv.Key[prefix.Length..];
            if (host.Length > ClusterNames.MaxHostLength)
            {
                host = host[..ClusterNames.MaxHostLength];
            }

            map[host] = kv.Value;
        }

        return map;
    }

    private static IgnoredHost? JudgeOne(InventoryInput input, string self, string host, ReadOnlySpan<byte> value)
    {
        if (host == self)
        {
            return new IgnoredHost(host, IgnoreReason.Self, "our own registration");
        }

        if (!ClusterNames.IsValidHost(host))
        {
            return new IgnoredHost(host, IgnoreReason.InvalidRecord, "the key's last segment is not a host name");
        }

        if (!HostRegistration.TryParse(value, out var registration, out string error))
        {
            return new IgnoredHost(host, IgnoreReason.InvalidRecord, error);
        }

        if (registration.Host != host)
        {
            return new IgnoredHost(host, IgnoreReason.InvalidRecord, $"the record names host '{registration.Host}'");
        }

        if (!input.PolicyHosts.Contains(host))
        {
            return new IgnoredHost(host, IgnoreReason.NotInPolicy, "the running policy names no such host");
        }

        if (!input.Enrollments.TryGetValue(host, out var enrollmentValue))
        {
            return new IgnoredHost(host, IgnoreReason.NotEnrolled, "no enrollment (tvdctl host enroll)");
        }

        if (!Enrollment.TryParse(enrollmentValue.Span, out var enrollment, out error) || enrollment.Host != host)
        {
            return new IgnoredHost(host, IgnoreReason.NotEnrolled, $"the enrollment record is invalid: {(error.Length > 0 ? error : "names another host")}");
        }

        if (enrollment.AkSha256 != registration.AkSha256)
        {
            string detail = registration.AkSha256.Length == 0
                ? "registered without an AK; enrolled with one"
                : $"registered AK sha256:{registration.AkSha256[..16]}… is not the enrolled one";
            return new IgnoredHost(host, IgnoreReason.AkMismatch, detail);
        }

        if (input.RequireAk && enrollment.AkSha256.Length == 0)
        {
            return new IgnoredHost(host, IgnoreReason.AkMismatch, "enrolled without an AK, but the policy requires attestation");
        }

        return null;
    }

    private InventoryView Recompute()
    {
        var now = _time.GetUtcNow();
        var (admitted, ignored) = Judge(_input!, _self);
        var present = new HashSet<string>(admitted.Select(p => p.Host), StringComparer.Ordinal);
        var registered = new HashSet<string>(_input!.Registrations.Keys, StringComparer.Ordinal);

        // A peer whose registration went (not one that stopped qualifying) enters its grace period.
        foreach (var before in _view.Admitted)
        {
            if (!present.Contains(before.Host) && !registered.Contains(before.Host) && !_leaving.ContainsKey(before.Host)
                && StillQualifies(before))
            {
                var since = before.GoneSince ?? now;
                _leaving[before.Host] = before with { GoneSince = since, DropAt = since + _grace };
            }
        }

        foreach (string host in _leaving.Keys.ToArray())
        {
            var leaving = _leaving[host];
            if (present.Contains(host) || registered.Contains(host) || leaving.DropAt <= now || !StillQualifies(leaving))
            {
                _leaving.Remove(host);
            }
        }

        var peers = admitted.Concat(_leaving.Values).OrderBy(p => p.Host, StringComparer.Ordinal).ToArray();
        var previous = new HashSet<(string, IgnoreReason)>(_view.Ignored.Select(i => (i.Host, i.Reason)));
        var fresh = ignored.Where(i => !previous.Contains((i.Host, i.Reason))).ToArray();
        _view = new InventoryView(peers, ignored, fresh);
        return _view;
    }

    /// <summary>A gone peer keeps its grace only while the policy still names it and its enrollment still matches.</summary>
    private bool StillQualifies(AdmittedPeer peer)
    {
        var input = _input!;
        if (!input.PolicyHosts.Contains(peer.Host) || !input.Enrollments.TryGetValue(peer.Host, out var value)
            || !Enrollment.TryParse(value.Span, out var enrollment, out _))
        {
            return false;
        }

        return enrollment.AkSha256 == peer.Registration.AkSha256 && !(input.RequireAk && enrollment.AkSha256.Length == 0);
    }
}
