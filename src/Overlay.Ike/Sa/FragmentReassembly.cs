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
/// <see cref="FragmentationOptions"/>: at most MaxFragments slots and MaxReassembledLength octets.
/// Not thread-safe; owned by the SA's <see cref="TaskManager"/> under the SA lock.
/// </summary>
public sealed class FragmentReassembly
{
    private readonly FragmentationOptions _options;
    private readonly ReassemblyBudget _budget;
    private byte[]?[] _parts;
    private int _received;
    private int _octets;
    private long _reserved;

    public FragmentReassembly(uint messageId, ushort totalFragments, DateTimeOffset startedAt, FragmentationOptions options, ReassemblyBudget? budget = null)
    {
        MessageId = messageId;
        StartedAt = startedAt;
        _options = options;
        _budget = budget ?? new ReassemblyBudget(long.MaxValue);
        _parts = new byte[totalFragments][];
        Datagrams = new byte[totalFragments][];
    }

    public uint MessageId { get; }

    public DateTimeOffset StartedAt { get; }

    public int TotalFragments => _parts.Length;

    /// <summary>Next Payload of fragment 1: the type of the first payload of the reassembled chain.</summary>
    public IkePayloadType FirstInnerPayload { get; private set; }

    /// <summary>Fragment datagrams exactly as received, by number: a retransmitted request is recognized by them.</summary>
    public byte[]?[] Datagrams { get; private set; }

    public string? RejectReason { get; private set; }

    /// <summary>
    /// Stores fragment <paramref name="number"/> (1-based) of <paramref name="total"/>. A larger
    /// total means the sender fragmented again with a smaller size, so the old pieces go (§2.6).
    /// </summary>
    public FragmentResult Add(ushort number, ushort total, IkePayloadType nextPayload, byte[] content, byte[] datagram)
    {
        if (total < _parts.Length)
        {
            return Reject($"Total Fragments fell from {_parts.Length} to {total}");
        }

        if (total > _parts.Length)
        {
            Release();
            _parts = new byte[total][];
            _received = 0;
            _octets = 0;
            Datagrams = new byte[total][];
        }

        if (_parts[number - 1] is not null)
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

        _parts[number - 1] = content;
        Datagrams[number - 1] = datagram;
        _octets += content.Length;
        if (number == 1)
        {
            FirstInnerPayload = nextPayload;
        }

        return ++_received == _parts.Length ? FragmentResult.Complete : FragmentResult.Kept;
    }

    /// <summary>The inner payload chain: all pieces in fragment-number order.</summary>
    public byte[] Assemble()
    {
        var all = new byte[_octets];
        var offset = 0;
        foreach (var part in _parts)
        {
            part!.CopyTo(all, offset);
            offset += part!.Length;
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
