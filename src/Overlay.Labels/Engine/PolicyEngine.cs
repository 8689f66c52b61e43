using Overlay.Labels.Audit;
using Overlay.Labels.Compiled;
using Overlay.Labels.Decisions;

namespace Overlay.Labels.Engine;

/// <summary>
/// The reference monitor's state: the live policy, which guests run on which host and which
/// guests are bound to which resources. Every start and attach is decided here, at binding time,
/// recorded when allowed, and audited either way; so is every carry (a TVD between two hosts) and every join (a
/// peer host in a TVD's network, given what it proved). Thread-safe; one lock, held only for dictionary look-ups
/// and bit operations.
/// </summary>
public sealed partial class PolicyEngine
{
    private readonly Lock _gate = new();
    private readonly IDecisionAudit _audit;
    private readonly TimeProvider _time;
    private CompiledPolicy _policy;

    // Host name -> runtime, in first-use order (reloads re-check hosts in this order).
    private Dictionary<string, HostRuntime> _hosts = new(StringComparer.Ordinal);
    private List<string> _hostOrder = [];
    private Dictionary<string, string> _guestHost = new(StringComparer.Ordinal);
    private List<(CompiledGuest Guest, CompiledResource Resource)> _bindings = [];
    private HashSet<(string Guest, string Resource)> _bound = [];

    public PolicyEngine(CompiledPolicy policy, IDecisionAudit? audit = null, TimeProvider? time = null)
    {
        _policy = policy ?? throw new ArgumentNullException(nameof(policy));
        _audit = audit ?? NullAudit.Instance;
        _time = time ?? TimeProvider.System;
    }

    public CompiledPolicy Policy
    {
        get
        {
            lock (_gate)
            {
                return _policy;
            }
        }
    }

    /// <summary>May <paramref name="guest"/> start on <paramref name="host"/>? If allowed, it is now running there.</summary>
    public Decision Start(string guest, string host)
    {
        lock (_gate)
        {
            var d = DecideStart(guest, host);
            if (d.Allowed)
            {
                Runtime(d.Host!).Add(d.Guest!);
                _guestHost[guest] = host;
            }

            Audit(d);
            return d;
        }
    }

    /// <summary>Records that a guest stopped. False when it was not running on that host.</summary>
    public bool Stop(string guest, string host)
    {
        lock (_gate)
        {
            if (!_guestHost.TryGetValue(guest, out var where) || where != host)
            {
                return false;
            }

            _hosts[host].Remove(guest);
            _guestHost.Remove(guest);
            return true;
        }
    }

    /// <summary>May <paramref name="guest"/> bind to <paramref name="resource"/>? If allowed, the binding is recorded.</summary>
    public Decision Attach(string guest, string resource)
    {
        lock (_gate)
        {
            var d = DecideAttach(guest, resource);
            if (d.Allowed && _bound.Add((guest, resource)))
            {
                _bindings.Add((d.Guest!, d.Resource!));
            }

            Audit(d);
            return d;
        }
    }

    /// <summary>Removes a binding. False when there was none.</summary>
    public bool Detach(string guest, string resource)
    {
        lock (_gate)
        {
            if (!_bound.Remove((guest, resource)))
            {
                return false;
            }

            _bindings.RemoveAll(b => b.Guest.Name == guest && b.Resource.Name == resource);
            return true;
        }
    }

    public EngineSnapshot Snapshot()
    {
        lock (_gate)
        {
            var running = _hostOrder.SelectMany(h => _hosts[h].Guests.Select(g => new RunningGuest(h, g.Name))).ToList();
            var bindings = _bindings.Select(b => new Binding(b.Guest.Name, b.Resource.Name)).ToList();
            return new EngineSnapshot(_policy.Name, _policy.Version, running, bindings);
        }
    }

    private Decision DecideStart(string guest, string host)
    {
        var p = _policy;
        var g = p.FindGuest(guest);
        if (g is null)
        {
            return Unknown(DecisionAction.Start, $"unknown guest '{guest}'");
        }

        var h = p.FindHost(host);
        if (h is null)
        {
            return Unknown(DecisionAction.Start, $"unknown host '{host}'");
        }

        if (_guestHost.TryGetValue(guest, out var where))
        {
            return new Decision(p, DecisionAction.Start, false, DecisionRule.Lifecycle, g, host: h, subject: where);
        }

        var runtime = Runtime(h);
        var d = PolicyDecisions.Start(p, g, h, runtime.Types);
        return !d.Allowed && d.Rule == DecisionRule.ChineseWall && runtime.HolderOf(d.OtherTypeId) is { } holder
            ? d.WithSubject(holder)
            : d;
    }

    private Decision DecideAttach(string guest, string resource)
    {
        var p = _policy;
        var g = p.FindGuest(guest);
        if (g is null)
        {
            return Unknown(DecisionAction.Attach, $"unknown guest '{guest}'");
        }

        var r = p.FindResource(resource);
        return r is null
            ? Unknown(DecisionAction.Attach, $"unknown resource '{resource}'")
            : PolicyDecisions.Attach(p, g, r);
    }

    private Decision Unknown(DecisionAction action, string what) => Unknown(_policy, action, what);

    private static Decision Unknown(CompiledPolicy policy, DecisionAction action, string what) =>
        new(policy, action, false, DecisionRule.UnknownReference, null, subject: what);

    private HostRuntime Runtime(CompiledHost host)
    {
        if (!_hosts.TryGetValue(host.Name, out var runtime))
        {
            runtime = new HostRuntime(host, _policy.TypeCount);
            _hosts.Add(host.Name, runtime);
            _hostOrder.Add(host.Name);
        }

        return runtime;
    }

    /// <summary>
    /// Audits a peer's refusal of this host (the other end's join decision, as its TVD_ATTESTATION_REFUSED or error
    /// reported it), so both ends' trails hold every refusal; it decides nothing here.
    /// </summary>
    public void RecordRefusalByPeer(RefusalByPeer refusal) =>
        _audit.Record(new AuditRecord(_time.GetUtcNow(), AuditKind.RefusalByPeer, default, RefusalByPeer: refusal ?? throw new ArgumentNullException(nameof(refusal))));

    private void Audit(in Decision d) => _audit.Record(new AuditRecord(_time.GetUtcNow(), AuditKind.Decision, d));

    private sealed class NullAudit : IDecisionAudit
    {
        public static readonly NullAudit Instance = new();

        public void Record(in AuditRecord record)
        {
        }
    }
}
