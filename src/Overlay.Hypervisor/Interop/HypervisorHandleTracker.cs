using System.Collections.Concurrent;
using System.Diagnostics;

namespace Overlay.Hypervisor.Interop;

/// <summary>
/// Live native handles (libvirt connections and domains, file descriptors) and the stack that made each, so a
/// test fixture can fail on a leak: a leaked virDomainPtr keeps its connection, and the daemon's socket, open.
/// </summary>
public static class HypervisorHandleTracker
{
    private static readonly ConcurrentDictionary<object, string> LiveHandles = new(ReferenceEqualityComparer.Instance);

    public static int LiveCount => LiveHandles.Count;

    /// <summary>Each live handle with the stack that created it.</summary>
    public static IReadOnlyCollection<string> Describe() => LiveHandles.Select(p => $"{p.Key}: {p.Value}").ToArray();

    internal static void Created(object handle) => LiveHandles[handle] = new StackTrace(2, false).ToString();

    internal static void Released(object handle) => LiveHandles.TryRemove(handle, out _);
}
