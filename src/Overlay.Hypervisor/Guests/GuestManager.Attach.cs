namespace Overlay.Hypervisor.Guests;

/// <summary>Hot-plug: one more vNIC or volume, decided by STE before the backend sees it.</summary>
public sealed partial class GuestManager
{
    /// <summary>Adds a vNIC on <paramref name="network"/>; into the running guest if it runs, else into its definition.</summary>
    public GuestResult AttachNic(string guest, string network, string? address = null)
    {
        lock (_gate)
        {
            if (!_specs.TryGetValue(guest, out var spec))
            {
                return Fail(guest, "attach", "not defined");
            }

            var nic = GuestNic.Derived(guest, network, spec.Nics.Count, address);
            var updated = spec with { Nics = [.. spec.Nics, nic] };
            return Attach(spec, updated, network, running => _backend.AttachNic(running, nic));
        }
    }

    /// <summary>Adds a volume; into the running guest if it runs, else into its definition.</summary>
    public GuestResult AttachVolume(string guest, GuestVolume volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        lock (_gate)
        {
            if (!_specs.TryGetValue(guest, out var spec))
            {
                return Fail(guest, "attach", "not defined");
            }

            var updated = spec with { Volumes = [.. spec.Volumes, volume] };
            return Attach(spec, updated, volume.Name, running => _backend.AttachVolume(running, volume));
        }
    }

    private GuestResult Attach(GuestSpec current, GuestSpec updated, string resource, Action<GuestSpec> hotPlug)
    {
        var problems = GuestSpecValidator.Problems(updated);
        if (problems.Count > 0)
        {
            return Fail(current.Name, "attach", string.Join("; ", problems));
        }

        var decision = _engine.Attach(current.Name, resource);
        if (!decision.Allowed)
        {
            return Refuse(current.Name, GuestAuditKind.AttachRefused, decision.ToString());
        }

        try
        {
            if (_running.Contains(current.Name))
            {
                hotPlug(updated);
            }
            else
            {
                _backend.Define(updated);
            }
        }
        catch (Exception e) when (IsBackendFailure(e))
        {
            _engine.Detach(current.Name, resource);
            return Fail(current.Name, "attach", e.Message);
        }

        _specs[current.Name] = updated;
        return Record(current.Name, GuestAuditKind.Attached, decision.ToString());
    }
}
