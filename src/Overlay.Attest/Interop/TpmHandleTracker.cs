using System.Collections.Concurrent;
using System.Diagnostics;

namespace Overlay.Attest.Interop;

/// <summary>
/// Counts live TPM-side handles (TCTI, ESYS contexts, transient objects) and remembers where each was made, so a
/// test fixture can fail on a leak: a TPM without a resource manager has room for only ~3 transient objects.
/// </summary>
public static class TpmHandleTracker
{
    private static readonly ConcurrentDictionary<object, string> LiveHandles = new(ReferenceEqualityComparer.Instance);

    public static int LiveCount => LiveHandles.Count;

    /// <summary>Creation stacks of the handles still open.</summary>
    public static IReadOnlyCollection<string> Describe() => LiveHandles.Select(p => $"{p.Key}: {p.Value}").ToArray();

    internal static void Created(object handle) => LiveHandles[handle] = new StackTrace(2, false).ToString();

    internal static void Released(object handle) => LiveHandles.TryRemove(handle, out _);
}
