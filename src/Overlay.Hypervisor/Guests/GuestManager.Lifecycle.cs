using Overlay.Hypervisor.Measurement;

namespace Overlay.Hypervisor.Guests;

/// <summary>Start and stop: host authorization and the Chinese Wall, then the measured launch, then the backend.</summary>
public sealed partial class GuestManager
{
    /// <summary>
    /// Starts a defined guest. The engine decides first (host authorization, then the Chinese Wall against the
    /// guests running here) and records the guest as running; a later refusal or failure takes that back.
    /// </summary>
    public GuestResult Start(string guest)
    {
        lock (_gate)
        {
            if (!_specs.TryGetValue(guest, out var spec))
            {
                return Fail(guest, "start", "not defined");
            }

            if (_running.Contains(guest))
            {
                return Fail(guest, "start", "already running");
            }

            var decision = _engine.Start(guest, Host);
            if (!decision.Allowed)
            {
                return Refuse(guest, GuestAuditKind.StartRefused, decision.ToString());
            }

            string? refusal;
            try
            {
                refusal = MeasuredLaunch.MeasureAndCheck(spec, _backend.Definition(spec), TvdsOf(guest), _measurer, _knownGood);
            }
            catch (Exception e) when (IsBackendFailure(e))
            {
                _engine.Stop(guest, Host);
                return Fail(guest, "measure", e.Message);
            }

            if (refusal is not null)
            {
                _engine.Stop(guest, Host);
                return Refuse(guest, GuestAuditKind.StartRefused, "deny: measured launch: " + refusal);
            }

            _busy.Add(guest);
            try
            {
                _backend.Start(spec);
            }
            catch (Exception e) when (IsBackendFailure(e))
            {
                _engine.Stop(guest, Host);
                return Fail(guest, "start", e.Message);
            }
            finally
            {
                _busy.Remove(guest);
            }

            _running.Add(guest);
            return Record(guest, GuestAuditKind.Started, decision.ToString());
        }
    }

    /// <summary>Stops a running guest at once and tells the engine, which frees its Chinese Wall types on this host.</summary>
    public GuestResult Stop(string guest)
    {
        lock (_gate)
        {
            if (!_running.Contains(guest))
            {
                return Fail(guest, "stop", "not running");
            }

            _busy.Add(guest);
            try
            {
                _backend.Stop(guest);
            }
            catch (Exception e) when (IsBackendFailure(e))
            {
                return Fail(guest, "stop", e.Message);
            }
            finally
            {
                _busy.Remove(guest);
            }

            _running.Remove(guest);
            _engine.Stop(guest, Host);
            return Record(guest, GuestAuditKind.Stopped, "stopped by the daemon");
        }
    }

    /// <summary>The TVDs a guest belongs to: those whose STE type the guest holds, in policy order.</summary>
    private List<string> TvdsOf(string guest)
    {
        var policy = _engine.Policy;
        var compiled = policy.FindGuest(guest);
        return compiled is null
            ? []
            : policy.Tvds.Where(t => compiled.SteTypes.Contains(t.TypeId)).Select(t => t.Name).ToList();
    }
}
