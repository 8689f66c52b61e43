namespace Overlay.DataPlane.Forwarding;

/// <summary>
/// The ports one underlay batch sent to, each once, so the loop flushes what they hold back at the end
/// of the batch, and which worker the loop is (the port queue it may hold frames in,
/// <see cref="GuestPort.CoalescingQueue"/>). Owned by one loop; a fixed array, so it allocates nothing per batch.
/// </summary>
internal sealed class TouchedPorts(int capacity, int worker = 0)
{
    public int Worker { get; } = worker;

    private readonly GuestPort[] _ports = new GuestPort[capacity];

    public int Count { get; private set; }

    public GuestPort this[int index] => _ports[index];

    /// <summary>
    /// Remembers <paramref name="port"/> unless already listed (a batch reaches few ports; a scan is
    /// cheapest). False when the list is full: the caller must not hold frames for that port.
    /// </summary>
    public bool Add(GuestPort port)
    {
        for (int i = 0; i < Count; i++)
        {
            if (ReferenceEquals(_ports[i], port))
            {
                return true;
            }
        }

        if (Count == _ports.Length)
        {
            return false;
        }

        _ports[Count++] = port;
        return true;
    }

    public void Clear()
    {
        Array.Clear(_ports, 0, Count);
        Count = 0;
    }
}
