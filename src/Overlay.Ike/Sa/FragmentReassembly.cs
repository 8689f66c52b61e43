namespace Overlay.Ike.Sa;

/// <summary>What <see cref="FragmentReassembly.Add"/> did with one authenticated fragment.</summary>
public enum FragmentResult
{
    /// <summary>Stored; more fragments are missing.</summary>
    Kept,

    /// <summary>This fragment number is already stored (a retransmission); ignored.</summary>
    Duplicate,

    /// <summary>Every fragment is there; <see cref="FragmentReassembly.Assemble"/> gives the content.</summary>
    Complete,

    /// <summary>Rejected: a smaller Total Fragments than before (RFC 7383 §2.6), or over the size limit.</summary>
    Rejected,
}

/// <summary>
/// The decrypted pieces of one fragmented message (RFC 7383 §2.6), for one message ID and
/// direction. Callers hand in only fragments whose ICV verified. Memory is bounded by
/// <see cref="FragmentationOptions"/>: at most MaxFragments fragments and MaxReassembledLength octets,
/// and it grows with the fragments received, never with the Total Fragments they claim (one fragment
/// saying 4096 costs one entry, not 4096 slots).
/// Not thread-safe; owned by the SA's <see cref="TaskManager"/> under the SA lock.
/// </summary>
public sealed class FragmentReassembly
{
    private readonly FragmentationOptions _options;
    private readonly ReassemblyBudget _budget;
    private readonly Dictionary<int, (byte[] Content, byte[] Datagram)> _parts = [];
    private int _total;
    private int _octets;
    private long _reserved;

    public FragmentReassembly(uint messageId, ushort totalFragments, DateTimeOffset startedAt, FragmentationOptions options, ReassemblyBudget? budget = null)
    {
        MessageId = messageId;
        StartedAt = startedAt;
        _options = options;
        _budget = budget ?? new ReassemblyBudget(long.MaxValue);
        _total = totalFragments;
    }

    public uint MessageId { get; }

    public DateTimeOffset StartedAt { get; }

    /// <summary>Total Fragments of the fragments kept (the largest seen, §2.6).</summary>
    public int TotalFragments => _total;

    /// <summary>Inner chain's first payload type, from fragment 1 (only it carries one, RFC 7383 §2.5).</summary>
    public IkePayloadType FirstInnerPayload { get; private set; }

    /// <summary>Fragments received so far.</summary>
    public int Received => _parts.Count;

    /// <summary>
    /// The datagrams as received, by fragment number − 1, so a retransmitted fragment can be recognised
    /// after the message was answered; null where a fragment is still missing.
    /// </summary>
    public byte[]?[] Datagrams
    {
        get
        {
            var datagrams = new byte[]?[_parts.Count == _total ? _total : _parts.Count == 0 ? 0 : _parts.Keys.Max()];
            foreach (var (number, part) in _parts)
            {
                datagrams[number - 1] = part.Datagram;
            }

            return datagrams;
        }
    }

    /// <summary>Why the last <see cref="FragmentResult.Rejected"/> happened.</summary>
    public string? RejectReason { get; private set; }

    /// <summary>
    /// Adds fragment <paramref name="number"/> of <paramref name="total"/>. A larger Total
    /// Fragments than before discards what was kept and restarts (a retransmission with smaller
    /// fragments, RFC 7383 §2.6); a smaller one is rejected.
    /// </summary>
    public FragmentResult Add(ushort number, ushort total, IkePayloadType nextPayload, byte[] content, byte[] datagram)
    {
        if (total < _total)
        {
            return Reject($"Total Fragments fell from {_total} to {total}");
        }

        if (total > _total)
        {
            Release();
            _parts.Clear();
            _octets = 0;
            _total = total;
        }

        if (_parts.ContainsKey(number))
        {
            return FragmentResult.Duplicate;
        }

        if (_octets + content.Length > _options.MaxReassembledLength)
        {
            return Reject($"reassembled message would exceed {_options.MaxReassembledLength} octets");
        }

        if (!_budget.TryTake(content.Length + datagram.Length))
        {
            return Reject($"the daemon's fragment budget ({_budget.Limit} octets for every SA) is used up");
        }

        _reserved += content.Length + datagram.Length;
        _parts.Add(number, (content, datagram));
        _octets += content.Length;
        if (number == 1)
        {
            FirstInnerPayload = nextPayload;
        }

        return _parts.Count == _total ? FragmentResult.Complete : FragmentResult.Kept;
    }

    /// <summary>The content of all fragments in order; call after <see cref="FragmentResult.Complete"/>.</summary>
    public byte[] Assemble()
    {
        var all = new byte[_octets];
        var offset = 0;
        for (var number = 1; number <= _total; number++)
        {
            var part = _parts[number].Content;
            part.CopyTo(all, offset);
            offset += part.Length;
        }

        return all;
    }

    /// <summary>Gives back to the budget what the kept fragments held; the owner calls it when it lets the reassembly go.</summary>
    public void Release()
    {
        _budget.Give(_reserved);
        _reserved = 0;
    }

    private FragmentResult Reject(string reason)
    {
        RejectReason = reason;
        return FragmentResult.Rejected;
    }
}
