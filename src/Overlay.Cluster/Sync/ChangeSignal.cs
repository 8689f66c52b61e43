namespace Overlay.Cluster.Sync;

/// <summary>
/// A pulse any number of waiters can await: <see cref="Pulse"/> completes the current <see cref="Next"/> and arms a new
/// one. The watch, the registrar and the epoch publisher each keep one, so callers wait for a state without polling.
/// </summary>
internal sealed class ChangeSignal
{
    private TaskCompletionSource _next = New();

    /// <summary>Completes at the next <see cref="Pulse"/>; read it before checking the state it guards.</summary>
    public Task Next => Volatile.Read(ref _next).Task;

    public void Pulse() => Interlocked.Exchange(ref _next, New()).TrySetResult();

    /// <summary>Completes when <paramref name="condition"/> holds, checked now and after every pulse.</summary>
    public async Task WaitUntilAsync(Func<bool> condition, CancellationToken ct)
    {
        while (true)
        {
            Task next = Next;
            if (condition())
            {
                return;
            }

            await next.WaitAsync(ct).ConfigureAwait(false);
        }
    }

    private static TaskCompletionSource New() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
