namespace Overlay.Attest.Handshake;

/// <summary>
/// The verifier's per-host records, at most <c>capacity</c> of them: the least recently stored goes when a new host
/// arrives at capacity. Verifications of one host are serialised on one of a fixed set of striped locks (no lock
/// object per host, so unknown host names cannot grow anything).
/// </summary>
internal sealed class HostStateTable(int capacity)
{
    private const int Stripes = 64;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, LinkedListNode<(string Host, HostRecord Record)>> _map = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Host, HostRecord Record)> _lru = new();
    private readonly Lock[] _stripes = Enumerable.Range(0, Stripes).Select(_ => new Lock()).ToArray();

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _map.Count;
            }
        }
    }

    /// <summary>The lock that serialises verifications of <paramref name="host"/>.</summary>
    public Lock GateFor(string host) => _stripes[(uint)StringComparer.Ordinal.GetHashCode(host) % Stripes];

    public HostRecord? Get(string host)
    {
        lock (_gate)
        {
            return _map.TryGetValue(host, out var node) ? node.Value.Record : null;
        }
    }

    public void Set(string host, HostRecord record)
    {
        lock (_gate)
        {
            if (_map.Remove(host, out var old))
            {
                _lru.Remove(old);
            }

            _map[host] = _lru.AddFirst((host, record));
            while (_map.Count > capacity)
            {
                _map.Remove(_lru.Last!.Value.Host);
                _lru.RemoveLast();
            }
        }
    }

    public void Remove(string host)
    {
        lock (_gate)
        {
            if (_map.Remove(host, out var node))
            {
                _lru.Remove(node);
            }
        }
    }
}
