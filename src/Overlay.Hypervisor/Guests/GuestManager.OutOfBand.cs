using Overlay.Hypervisor.Measurement;

namespace Overlay.Hypervisor.Guests;

/// <summary>
/// Guests started or stopped behind the daemon's back (virsh start/destroy, a guest powering off). A start seen
/// from outside is held to the same rules as one through <see cref="Start"/>: the guest must have been defined
/// through the daemon (so STE checked its devices), the engine must allow it here, and its measured launch must
/// pass. Otherwise it is destroyed and the destruction audited. An allowed one is adopted, measured late.
/// </summary>
public sealed partial class GuestManager
{
    /// <summary>
    /// Compares what the backend runs with what the manager believes runs, and handles each difference as the
    /// lifecycle event that was missed (events are lost while a libvirt connection is down). Returns the number
    /// of differences handled: guests adopted, destroyed or released. A domain the policy does not know (another
    /// tenant of the same libvirtd) is left alone, audited once, and not counted.
    /// </summary>
    public int Reconcile()
    {
        lock (_gate)
        {
            var actual = _backend.ListRunning();
            var changes = 0;
            _foreign.IntersectWith(actual);
            foreach (var name in actual.Where(n => !_running.Contains(n) && !_foreign.Contains(n)).ToList())
            {
                OnStartedOutside(name);
                changes += _foreign.Contains(name) ? 0 : 1;
            }

            foreach (var name in _running.Where(n => !actual.Contains(n)).ToList())
            {
                OnStoppedOutside(name);
                changes++;
            }

            return changes;
        }
    }

    private void OnLifecycle(GuestLifecycleEvent e)
    {
        lock (_gate)
        {
            // Events of the manager's own operations arrive after the fact: state already matches, so nothing to do.
            // The backend is asked again because an event can be stale (started, then stopped before it arrived).
            if (_busy.Contains(e.Guest))
            {
                return;
            }

            if (e.Kind == GuestLifecycle.Started && !_running.Contains(e.Guest) && _backend.IsRunning(e.Guest))
            {
                OnStartedOutside(e.Guest);
            }
            else if (e.Kind == GuestLifecycle.Stopped && _running.Contains(e.Guest) && !_backend.IsRunning(e.Guest))
            {
                OnStoppedOutside(e.Guest);
            }
        }
    }

    private void OnStartedOutside(string guest)
    {
        if (!_specs.ContainsKey(guest) && _engine.Policy.FindGuest(guest) is null && !_destroyForeignGuests)
        {
            // A domain the policy does not know holds no TVD type and no TVD port: it is not ours to judge.
            if (_foreign.Add(guest))
            {
                Record(guest, GuestAuditKind.ForeignIgnored, "started outside the daemon; not in the policy, left alone");
            }

            return;
        }

        var reason = OutsideStartRefusal(guest, out var decisionText);
        if (reason is null)
        {
            _running.Add(guest);
            Record(guest, GuestAuditKind.OutOfBandAdopted, "started outside the daemon; " + decisionText);
            return;
        }

        var detail = reason;
        _busy.Add(guest);
        try
        {
            _backend.Stop(guest);
        }
        catch (Exception e) when (IsBackendFailure(e))
        {
            detail += $"; destroying it FAILED: {e.Message}";
        }
        finally
        {
            _busy.Remove(guest);
        }

        GuestManagerLog.OutOfBandDestroyed(_logger, guest, _backend.Kind, detail);
        Audited?.Invoke(new GuestAuditEvent(_time.GetUtcNow(), GuestAuditKind.OutOfBandDestroyed, guest, detail));
    }

    /// <summary>Null when the guest may keep running (it is then recorded running in the engine); else why not.</summary>
    private string? OutsideStartRefusal(string guest, out string decisionText)
    {
        decisionText = "";
        if (!_specs.TryGetValue(guest, out var spec))
        {
            return "not defined through the daemon, so its devices were never checked against the policy";
        }

        var decision = _engine.Start(guest, Host);
        decisionText = decision.ToString();
        if (!decision.Allowed)
        {
            return decisionText;
        }

        string? refusal;
        try
        {
            refusal = MeasuredLaunch.MeasureAndCheck(spec, _backend.Definition(spec), TvdsOf(guest), _measurer, _knownGood);
        }
        catch (Exception e) when (IsBackendFailure(e))
        {
            refusal = "cannot be measured: " + e.Message;
        }

        if (refusal is not null)
        {
            _engine.Stop(guest, Host);
            return "deny: measured launch: " + refusal;
        }

        return null;
    }

    private void OnStoppedOutside(string guest)
    {
        _running.Remove(guest);
        _engine.Stop(guest, Host);
        _busy.Add(guest);
        try
        {
            // Ports (TAPs, veths) belong to the daemon; a guest gone on its own leaves them behind otherwise.
            _backend.Stop(guest);
        }
        catch (Exception e) when (IsBackendFailure(e))
        {
            GuestManagerLog.BackendFailed(_logger, guest, _backend.Kind, "cleanup after outside stop", e.Message);
        }
        finally
        {
            _busy.Remove(guest);
        }

        Record(guest, GuestAuditKind.StoppedOutsideDaemon, "stopped outside the daemon; released on this host");
    }
}
