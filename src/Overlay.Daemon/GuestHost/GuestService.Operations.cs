using Overlay.Daemon.Configuration;
using Overlay.Hypervisor.Guests;
using Overlay.Labels.Compiled;
using Overlay.Labels.Decisions;

namespace Overlay.Daemon.GuestHost;

/// <summary>One configured guest as the control verbs show it.</summary>
public sealed record GuestView(string Name, string Backend, string State, string? DefineRefusal, IReadOnlyList<GuestPortView> Ports);

/// <summary>One vNIC: its network, the network's TVD, and whether it is a data plane port now (or why not).</summary>
public sealed record GuestPortView(string Port, string Network, string? Tvd, string Mac, bool Attached, string? Problem);

/// <summary>What the policy says about a guest: its types, each network's STE decision and the start decision here, now.</summary>
public sealed record GuestExplanation(
    GuestView Guest,
    IReadOnlyList<string> SteTypes,
    IReadOnlyList<string> CwTypes,
    IReadOnlyList<(string Network, Decision Decision)> Networks,
    Decision Start,
    IReadOnlyList<string> RunningHere);

/// <summary>The operations behind the <c>guest</c> control verb.</summary>
public sealed partial class GuestService
{
    public bool IsConfigured(string guest) => _configured.ContainsKey(guest);

    public IReadOnlyList<GuestView> List() => [.. _configured.Keys.Order(StringComparer.Ordinal).Select(View)];

    /// <summary>Starts a configured guest (Chinese Wall, measured launch), then attaches its ports.</summary>
    public GuestResult Start(string guest)
    {
        GuestResult result = _defineRefusals.TryGetValue(guest, out string? refusal)
            ? new GuestResult(GuestOutcome.Refused, guest, $"not defined: {refusal}")
            : _managerOf[guest].Start(guest);
        SyncPorts();
        return result;
    }

    /// <summary>Detaches the guest's ports and stops it.</summary>
    public GuestResult Stop(string guest)
    {
        GuestResult result = _managerOf[guest].Stop(guest);
        SyncPorts();
        return result;
    }

    public GuestExplanation Explain(string guest)
    {
        CompiledPolicy policy = _policy.Engine.Policy;
        CompiledGuest compiled = policy.FindGuest(guest)
            ?? throw new InvalidOperationException($"guest '{guest}' is not in policy '{policy.Name}' version {policy.Version}");
        CompiledHost host = policy.FindHost(_config.Host)
            ?? throw new InvalidOperationException($"host '{_config.Host}' is not in policy '{policy.Name}' version {policy.Version}");

        // The Chinese Wall looks at the types of the other guests running on this host now.
        var others = _policy.Engine.Snapshot().Running
            .Where(r => r.Host == _config.Host && r.Guest != guest)
            .Select(r => r.Guest)
            .ToList();
        var running = new RunningTypes(policy.TypeCount);
        foreach (string other in others)
        {
            if (policy.FindGuest(other) is { } g)
            {
                running.Add(g);
            }
        }

        var networks = _configured[guest].Networks
            .Select(n => (n, policy.FindResource(n) is { } r
                ? PolicyDecisions.Attach(policy, compiled, r)
                : throw new InvalidOperationException($"network '{n}' is not in policy '{policy.Name}'")))
            .ToList();
        return new GuestExplanation(
            View(guest),
            compiled.Definition.SteTypes,
            compiled.Definition.CwTypes,
            networks,
            PolicyDecisions.Start(policy, compiled, host, running),
            others);
    }

    private GuestView View(string guest)
    {
        GuestConfig config = _configured[guest];
        GuestManager manager = _managerOf[guest];
        GuestStatus? status = manager.List().FirstOrDefault(s => s.Name == guest);
        string state = status?.State switch
        {
            GuestState.Running => "running",
            GuestState.Defined => "defined",
            _ => "refused",
        };
        IReadOnlyList<GuestNic> nics = status?.Nics ?? ToSpec(config).Nics;
        CompiledPolicy policy = _policy.Engine.Policy;
        var ports = nics
            .Select(n => new GuestPortView(n.PortName, n.Network, policy.FindResource(n.Network)?.Tvd?.Name, n.MacAddress,
                IsPortAttached(n.PortName), PortProblem(n.PortName)))
            .ToList();
        return new GuestView(guest, manager.BackendKind, state, _defineRefusals.GetValueOrDefault(guest), ports);
    }
}
