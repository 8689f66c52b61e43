using Overlay.Labels.Audit;
using Overlay.Labels.Compiled;
using Overlay.Labels.Decisions;

namespace Overlay.Labels.Engine;

public sealed partial class PolicyEngine
{
    /// <summary>
    /// Test-then-commit reload, as Xen ACM did it. The new version is checked against every running
    /// guest (host authorization, then the Chinese Wall against the guests kept before it on that
    /// host, in start order) and every binding (STE). With conflicts and <paramref name="revoke"/>
    /// false, nothing changes and the outcome lists the conflicts. With <paramref name="revoke"/>
    /// true, the switch happens and the outcome lists exactly the guests and bindings that went.
    /// Either way the switch is atomic: no decision ever sees a mix of old and new.
    /// </summary>
    public ReloadOutcome Reload(CompiledPolicy next, bool revoke)
    {
        ArgumentNullException.ThrowIfNull(next);
        lock (_gate)
        {
            var current = _policy;
            var conflicts = new List<ReloadConflict>();
            var revoked = new List<Revocation>();

            CheckVersionChain(current, next, conflicts);
            if (conflicts.Count > 0)
            {
                // A wrong name or version is never revocable: the caller reloaded the wrong file.
                return Finish(new ReloadOutcome(false, current.Name, current.Version, next.Version, conflicts, []));
            }

            var (hosts, order, guestHost) = RecheckRunning(next, conflicts, revoked);
            var bindings = RecheckBindings(next, conflicts, revoked);

            if (conflicts.Count > 0 && !revoke)
            {
                return Finish(new ReloadOutcome(false, current.Name, current.Version, next.Version, conflicts, []));
            }

            _policy = next;
            _hosts = hosts;
            _hostOrder = order;
            _guestHost = guestHost;
            _bindings = bindings;
            _bound = bindings.Select(b => (b.Item1.Name, b.Item2.Name)).ToHashSet();
            return Finish(new ReloadOutcome(true, current.Name, current.Version, next.Version, conflicts, revoked));
        }
    }

    private static void CheckVersionChain(CompiledPolicy current, CompiledPolicy next, List<ReloadConflict> conflicts)
    {
        if (next.Name != current.Name)
        {
            conflicts.Add(new ReloadConflict("policy name", $"new policy is named '{next.Name}', the running one '{current.Name}'"));
        }

        if (next.Version <= current.Version)
        {
            conflicts.Add(new ReloadConflict("policy version", $"version {next.Version} does not supersede running version {current.Version}"));
        }

        var replaces = next.Definition.Replaces;
        if (replaces is null)
        {
            conflicts.Add(new ReloadConflict("policy replaces", $"version {next.Version} does not name the version it replaces (running: {current.Version})"));
        }
        else if (replaces != current.Version)
        {
            conflicts.Add(new ReloadConflict("policy replaces", $"version {next.Version} replaces version {replaces}, but version {current.Version} is running"));
        }
    }

    private (Dictionary<string, HostRuntime>, List<string>, Dictionary<string, string>) RecheckRunning(
        CompiledPolicy next, List<ReloadConflict> conflicts, List<Revocation> revoked)
    {
        var hosts = new Dictionary<string, HostRuntime>(StringComparer.Ordinal);
        var order = new List<string>();
        var guestHost = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var hostName in _hostOrder)
        {
            var newHost = next.FindHost(hostName);
            HostRuntime? runtime = null;
            foreach (var guest in _hosts[hostName].Guests)
            {
                var newGuest = next.FindGuest(guest.Name);
                string? reason = null;
                if (newHost is null)
                {
                    reason = $"host {hostName} is not in version {next.Version}";
                }
                else if (newGuest is null)
                {
                    reason = $"guest {guest.Name} is not in version {next.Version}";
                }
                else
                {
                    runtime ??= new HostRuntime(newHost, next.TypeCount);
                    var d = PolicyDecisions.Start(next, newGuest, newHost, runtime.Types);
                    if (!d.Allowed && d.Rule == DecisionRule.ChineseWall && runtime.HolderOf(d.OtherTypeId) is { } holder)
                    {
                        d = d.WithSubject(holder);
                    }

                    if (d.Allowed)
                    {
                        runtime.Add(newGuest);
                        guestHost[guest.Name] = hostName;
                    }
                    else
                    {
                        reason = d.Reason;
                    }
                }

                if (reason is not null)
                {
                    conflicts.Add(new ReloadConflict($"guest {guest.Name} on host {hostName}", reason));
                    revoked.Add(new Revocation(RevocationKind.StopGuest, guest.Name, hostName, null, reason));
                }
            }

            if (runtime is not null)
            {
                hosts.Add(hostName, runtime);
                order.Add(hostName);
            }
        }

        return (hosts, order, guestHost);
    }

    private List<(CompiledGuest, CompiledResource)> RecheckBindings(
        CompiledPolicy next, List<ReloadConflict> conflicts, List<Revocation> revoked)
    {
        var kept = new List<(CompiledGuest, CompiledResource)>();
        foreach (var (guest, resource) in _bindings)
        {
            var newGuest = next.FindGuest(guest.Name);
            var newResource = next.FindResource(resource.Name);
            string? reason = null;
            if (newGuest is null)
            {
                reason = $"guest {guest.Name} is not in version {next.Version}";
            }
            else if (newResource is null)
            {
                reason = $"resource {resource.Name} is not in version {next.Version}";
            }
            else if (PolicyDecisions.Attach(next, newGuest, newResource) is { Allowed: false } d)
            {
                reason = d.Reason;
            }

            if (reason is null)
            {
                kept.Add((newGuest!, newResource!));
            }
            else
            {
                conflicts.Add(new ReloadConflict($"binding {guest.Name} -> {resource.Name}", reason));
                revoked.Add(new Revocation(RevocationKind.Unbind, guest.Name, null, resource.Name, reason));
            }
        }

        return kept;
    }

    private ReloadOutcome Finish(ReloadOutcome outcome)
    {
        var now = _time.GetUtcNow();
        _audit.Record(new AuditRecord(now, AuditKind.Reload, default, Reload: outcome));
        if (outcome.Committed)
        {
            foreach (var r in outcome.Revoked)
            {
                _audit.Record(new AuditRecord(now, AuditKind.Revocation, default, Revocation: r));
            }
        }

        return outcome;
    }
}
