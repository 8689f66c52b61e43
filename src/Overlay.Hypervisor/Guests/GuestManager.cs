using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Overlay.Common.Interop.Unix;
using Overlay.Hypervisor.Measurement;
using Overlay.Labels.Engine;

namespace Overlay.Hypervisor.Guests;

/// <summary>
/// Runs guests on this host under the policy, deciding at binding time (sHype's reference monitor placement):
/// <list type="bullet">
/// <item>define and hot-plug: STE for every vNIC's network and every volume (<see cref="PolicyEngine.Attach"/>);</item>
/// <item>start: host authorization and the Chinese Wall (<see cref="PolicyEngine.Start"/>), then the measured launch
/// (image known-good for the guest's TVDs) — refused with the policy's reason;</item>
/// <item>a guest started behind the daemon's back is checked the same way when its lifecycle event (or a
/// <see cref="Reconcile"/>) reveals it, and destroyed and audited if it breaks policy.</item>
/// </list>
/// Pure orchestration over <see cref="IGuestBackend"/>, <see cref="IGuestMeasurer"/> and the engine. One lock
/// serialises guest operations and events: a start takes a few hundred ms, and ordering matters more here.
/// </summary>
public sealed partial class GuestManager : IDisposable
{
    private readonly Lock _gate = new();
    private readonly PolicyEngine _engine;
    private readonly IGuestBackend _backend;
    private readonly IGuestMeasurer _measurer;
    private readonly KnownGoodImages _knownGood;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, GuestSpec> _specs = new(StringComparer.Ordinal);
    private readonly HashSet<string> _running = new(StringComparer.Ordinal);
    private readonly HashSet<string> _foreign = new(StringComparer.Ordinal);

    // Guests the manager is starting or stopping right now: their events are the manager's own, even when a
    // backend raises them synchronously from inside Start/Stop on this thread (the lock is re-entrant).
    private readonly HashSet<string> _busy = new(StringComparer.Ordinal);
    private readonly bool _destroyForeignGuests;

    public GuestManager(
        PolicyEngine engine,
        string host,
        IGuestBackend backend,
        IGuestMeasurer measurer,
        KnownGoodImages? knownGood = null,
        ILogger<GuestManager>? logger = null,
        TimeProvider? time = null,
        bool destroyForeignGuests = false)
    {
        _destroyForeignGuests = destroyForeignGuests;
        _engine = engine ?? throw new ArgumentNullException(nameof(engine));
        Host = host ?? throw new ArgumentNullException(nameof(host));
        _backend = backend ?? throw new ArgumentNullException(nameof(backend));
        _measurer = measurer ?? throw new ArgumentNullException(nameof(measurer));
        _knownGood = knownGood ?? KnownGoodImages.None;
        _logger = logger ?? NullLogger<GuestManager>.Instance;
        _time = time ?? TimeProvider.System;
        _backend.LifecycleChanged += OnLifecycle;
    }

    /// <summary>
    /// Every audit event: each decision with its reason, and every out-of-band start and stop. Raised under
    /// the manager's lock, in order; handlers must not call back into the manager. With
    /// <c>destroyForeignGuests</c> a running domain unknown to the policy is destroyed too; by default it is
    /// left alone and audited once (it holds no TVD type, and no TVD port: those exist only for defined guests).
    /// </summary>
    public event Action<GuestAuditEvent>? Audited;

    /// <summary>This host's name in the policy.</summary>
    public string Host { get; }

    public string BackendKind => _backend.Kind;

    public IReadOnlyList<GuestStatus> List()
    {
        lock (_gate)
        {
            return _specs.Values
                .OrderBy(s => s.Name, StringComparer.Ordinal)
                .Select(s => new GuestStatus(s.Name, _running.Contains(s.Name) ? GuestState.Running : GuestState.Defined, s.Nics, s.Volumes))
                .ToList();
        }
    }

    /// <summary>
    /// Defines a guest: STE decides every vNIC network and volume first; one refusal refuses the whole guest and
    /// leaves no binding behind. Then the backend defines it.
    /// </summary>
    public GuestResult Define(GuestSpec guest)
    {
        ArgumentNullException.ThrowIfNull(guest);
        var problems = GuestSpecValidator.Problems(guest);
        if (problems.Count > 0)
        {
            return Fail(guest.Name, "define", string.Join("; ", problems));
        }

        lock (_gate)
        {
            if (_specs.ContainsKey(guest.Name))
            {
                return Fail(guest.Name, "define", "already defined (undefine it first)");
            }

            var bound = new List<string>();
            foreach (var resource in guest.Resources)
            {
                var decision = _engine.Attach(guest.Name, resource);
                if (!decision.Allowed)
                {
                    Unbind(guest.Name, bound);
                    return Refuse(guest.Name, GuestAuditKind.DefineRefused, decision.ToString());
                }

                bound.Add(resource);
            }

            try
            {
                _backend.Define(guest);
            }
            catch (Exception e) when (IsBackendFailure(e))
            {
                Unbind(guest.Name, bound);
                return Fail(guest.Name, "define", e.Message);
            }

            _specs.Add(guest.Name, guest);
            return Record(guest.Name, GuestAuditKind.Defined, $"bound to {string.Join(", ", bound)}");
        }
    }

    /// <summary>Forgets a stopped guest and releases its bindings.</summary>
    public GuestResult Undefine(string guest)
    {
        lock (_gate)
        {
            if (!_specs.TryGetValue(guest, out var spec))
            {
                return Fail(guest, "undefine", "not defined");
            }

            if (_running.Contains(guest))
            {
                return Fail(guest, "undefine", "running (stop it first)");
            }

            try
            {
                _backend.Undefine(guest);
            }
            catch (Exception e) when (IsBackendFailure(e))
            {
                return Fail(guest, "undefine", e.Message);
            }

            Unbind(guest, spec.Resources);
            _specs.Remove(guest);
            return Record(guest, GuestAuditKind.Undefined, "bindings released");
        }
    }

    public void Dispose() => _backend.LifecycleChanged -= OnLifecycle;

    private void Unbind(string guest, IEnumerable<string> resources)
    {
        foreach (var resource in resources)
        {
            _engine.Detach(guest, resource);
        }
    }

    /// <summary>Backend and I/O failures become a Failed result; programming errors still surface.</summary>
    private static bool IsBackendFailure(Exception e) =>
        e is GuestBackendException or Interop.LibvirtException or ErrnoException or IOException
            or UnauthorizedAccessException or TimeoutException;

    private GuestResult Record(string guest, GuestAuditKind kind, string detail)
    {
        GuestManagerLog.Event(_logger, guest, _backend.Kind, kind, detail);
        Audited?.Invoke(new GuestAuditEvent(_time.GetUtcNow(), kind, guest, detail));
        return GuestResult.Done(guest, detail);
    }

    private GuestResult Refuse(string guest, GuestAuditKind kind, string reason)
    {
        GuestManagerLog.Refusal(_logger, guest, _backend.Kind, kind, reason);
        Audited?.Invoke(new GuestAuditEvent(_time.GetUtcNow(), kind, guest, reason));
        return GuestResult.Refused(guest, reason);
    }

    private GuestResult Fail(string guest, string operation, string error)
    {
        GuestManagerLog.BackendFailed(_logger, guest, _backend.Kind, operation, error);
        return GuestResult.Failed(guest, $"{operation}: {error}");
    }
}
