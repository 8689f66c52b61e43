namespace Overlay.DataPlane.Sequence;

/// <summary>
/// Durable record of the highest sequence number each statically keyed outbound SA may have used (its
/// reserved mark). The data plane's port to storage: <see cref="SequenceStateDirectory"/> keeps it in files;
/// tests use their own. Called at binding time and from <see cref="SequenceReserver"/>'s thread, never from
/// the packet path.
/// </summary>
public interface ISequenceStore
{
    /// <summary>
    /// The mark recorded for <paramref name="key"/>: every sequence number up to it may have been sent. 0 when
    /// nothing is recorded. Throws <see cref="SequenceStateException"/> when a record exists but cannot be read
    /// or is not one this store wrote (never treated as "nothing recorded").
    /// </summary>
    ulong Load(SequenceStateKey key);

    /// <summary>
    /// Records <paramref name="mark"/> for <paramref name="key"/>; returns only once it is durable (a crash
    /// or power loss afterwards still finds it). Throws <see cref="SequenceStateException"/> otherwise, and
    /// then the previous record is still whole.
    /// </summary>
    void Save(SequenceStateKey key, ulong mark);

    /// <summary>Where <paramref name="key"/>'s record lives, for messages.</summary>
    string Describe(SequenceStateKey key);
}

/// <summary>A sequence state record cannot be read, written or trusted; the SA must not send.</summary>
public sealed class SequenceStateException : Exception
{
    public SequenceStateException(string message)
        : base(message)
    {
    }

    public SequenceStateException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>
    /// True when the record says the SA's whole sequence space under this key is used up: only a new key
    /// helps (a config matter), unlike a store that cannot be read or written (the host's).
    /// </summary>
    public bool Exhausted { get; init; }
}
