using System.Collections.Concurrent;
using System.Diagnostics;

namespace Overlay.Common.Interop;

/// <summary>
/// One module's live native handles and the stack that made each, so a test fixture can fail on a leak and say
/// where the leaked handle came from (cilium's <c>fd_trace.go</c>, CONVENTIONS 16). A handle reports itself in its
/// constructor (or when it adopts its native value) and again in <c>ReleaseHandle</c>.
/// </summary>
internal sealed class NativeHandleTracker
{
    private readonly ConcurrentDictionary<object, string> _live = new(ReferenceEqualityComparer.Instance);

    public int LiveCount => _live.Count;

    /// <summary>Each live handle with the stack that created it.</summary>
    public IReadOnlyCollection<string> Describe() => _live.Select(p => $"{p.Key}: {p.Value}").ToArray();

    /// <summary>Records <paramref name="handle"/> with its creation stack, skipping this frame and the handle's own.</summary>
    public void Created(object handle) => _live[handle] = new StackTrace(2, false).ToString();

    public void Released(object handle) => _live.TryRemove(handle, out _);
}
