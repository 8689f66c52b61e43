using Overlay.DataPlane.Sequence;

namespace Overlay.DataPlane.Tests.Sequence;

/// <summary>
/// A real <see cref="SequenceStateDirectory"/> behind a gate: while closed, saves wait (a slow disk); while
/// failing, saves throw as an unwritable directory does. Counts saves and records the marks written.
/// </summary>
internal sealed class GatedStore : ISequenceStore, IDisposable
{
    private readonly ISequenceStore _inner;
    private readonly ManualResetEventSlim _open = new(true);
    private readonly ManualResetEventSlim _saveWaiting = new(false);
    private volatile bool _failing;

    public GatedStore(ISequenceStore inner) => _inner = inner;

    public List<ulong> Saved { get; } = [];

    public void Close() => _open.Reset();

    public void Release() => _open.Set();

    public bool Failing
    {
        get => _failing;
        set => _failing = value;
    }

    /// <summary>Waits until a save is held at the closed gate.</summary>
    public bool WaitForHeldSave(TimeSpan timeout) => _saveWaiting.Wait(timeout);

    public ulong Load(SequenceStateKey key) => _inner.Load(key);

    public void Save(SequenceStateKey key, ulong mark)
    {
        if (!_open.IsSet)
        {
            _saveWaiting.Set();
            _open.Wait();
        }

        if (_failing)
        {
            throw new SequenceStateException("test: the disk refuses");
        }

        _inner.Save(key, mark);
        lock (Saved)
        {
            Saved.Add(mark);
        }
    }

    public string Describe(SequenceStateKey key) => _inner.Describe(key);

    public void Dispose()
    {
        _open.Set();
        _open.Dispose();
        _saveWaiting.Dispose();
    }
}
