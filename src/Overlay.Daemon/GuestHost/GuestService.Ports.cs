using Overlay.Hypervisor.Guests;

namespace Overlay.Daemon.GuestHost;

/// <summary>
/// Keeps the data plane's guest ports in step with the guests: a vNIC is a port exactly while its guest runs and
/// the engine holds its (guest, network) binding (a reload may revoke the binding alone). One pass compares and
/// fixes, so a missed event, an outside start or a revocation all end the same way.
/// </summary>
public sealed partial class GuestService
{
    private readonly Lock _portsGate = new();

    // Data plane port (the vNIC's host device name) → its guest and network, for every port this service attached.
    private readonly Dictionary<string, (string Guest, string Network)> _attached = new(StringComparer.Ordinal);

    // The last problem per port that could not be attached (logged once per distinct problem).
    private readonly Dictionary<string, string> _portProblems = new(StringComparer.Ordinal);

    /// <summary>The attach problem of a port, if its last attach failed.</summary>
    public string? PortProblem(string port)
    {
        lock (_portsGate)
        {
            return _portProblems.GetValueOrDefault(port);
        }
    }

    public bool IsPortAttached(string port)
    {
        lock (_portsGate)
        {
            return _attached.ContainsKey(port);
        }
    }

    private void SyncPorts()
    {
        lock (_portsGate)
        {
            var bindings = _policy.Engine.Snapshot().Bindings.Select(b => (b.Guest, b.Resource)).ToHashSet();
            var wanted = new Dictionary<string, (GuestNic Nic, GuestStatus Guest)>(StringComparer.Ordinal);
            foreach (GuestManager manager in _managers)
            {
                foreach (GuestStatus guest in manager.List().Where(g => g.State == GuestState.Running))
                {
                    foreach (GuestNic nic in guest.Nics.Where(n => bindings.Contains((guest.Name, n.Network))))
                    {
                        wanted[nic.PortName] = (nic, guest);
                    }
                }
            }

            foreach ((string port, (string guest, _)) in _attached.Where(a => !wanted.ContainsKey(a.Key)).ToList())
            {
                _ports.DetachAsync(port).GetAwaiter().GetResult();
                _attached.Remove(port);
                _portProblems.Remove(port);
                GuestLog.PortDetached(_logger, guest, port);
            }

            foreach ((string port, (GuestNic nic, GuestStatus guest)) in wanted.Where(w => !_attached.ContainsKey(w.Key)))
            {
                Attach(port, nic, guest);
            }
        }
    }

    private void Attach(string port, GuestNic nic, GuestStatus guest)
    {
        if (_backends?.TapMover is { } mover && _configured.TryGetValue(guest.Name, out var config)
            && config.Backend == Configuration.GuestBackendKind.Libvirt)
        {
            try
            {
                // A guest adopted after an outside start has its TAP where whoever started it made it.
                mover.ClaimTaps(ToSpec(config));
            }
            catch (Exception e) when (e is GuestBackendException or TimeoutException)
            {
                NotAttached(port, nic, guest, e.Message);
                return;
            }
        }

        string? problem = _ports.Attach(port, port, guest.Name, nic.Network);
        if (problem is null)
        {
            _attached[port] = (guest.Name, nic.Network);
            _portProblems.Remove(port);
            GuestLog.PortAttached(_logger, guest.Name, port, nic.Network);
        }
        else
        {
            NotAttached(port, nic, guest, problem);
        }
    }

    private void NotAttached(string port, GuestNic nic, GuestStatus guest, string problem)
    {
        if (_portProblems.GetValueOrDefault(port) != problem)
        {
            GuestLog.PortNotAttached(_logger, guest.Name, port, nic.Network, problem);
        }

        _portProblems[port] = problem;
    }
}
