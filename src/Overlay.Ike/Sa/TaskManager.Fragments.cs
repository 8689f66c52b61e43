using Overlay.Ike.Encoding;
using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Encoding.Payloads;

namespace Overlay.Ike.Sa;

/// <summary>
/// Receiving SKF fragments (RFC 7383 §2.6). One reassembly per direction: the peer's request with
/// the message ID we expect, and the response to our in-flight request; the message ID checks ran
/// before. Each fragment's ICV is verified before anything of it is kept, so a forged fragment can
/// never displace a real one; limits on Total Fragments, octets and age bound the memory a peer
/// can make us hold.
/// </summary>
public sealed partial class TaskManager
{
    private FragmentReassembly? _requestReassembly;
    private FragmentReassembly? _responseReassembly;

    /// <summary>Lets go of half-reassembled messages (the SA ends): their octets go back to the budget.</summary>
    private void ReleaseReassemblies()
    {
        _requestReassembly?.Release();
        _responseReassembly?.Release();
        (_requestReassembly, _responseReassembly) = (null, null);
    }

    private bool TryReassemble(ReadOnlySpan<byte> datagram, IkeMessage outer, EncryptedFragmentPayload fragment,
        out IkeMessage message, out IReadOnlyList<byte[]?> datagrams)
    {
        message = outer;
        datagrams = [];
        var options = _sa.Config.Fragmentation;
        var what = $"SKF fragment {fragment.FragmentNumber}/{fragment.TotalFragments}";
        if (!_sa.Config.AnnounceFragmentation)
        {
            Drop($"{what} although we did not announce IKEV2_FRAGMENTATION_SUPPORTED");
            return false;
        }

        if (fragment.TotalFragments > options.MaxFragments)
        {
            Drop($"{what}: more than {options.MaxFragments} fragments");
            return false;
        }

        ref var slot = ref outer.IsResponse ? ref _responseReassembly : ref _requestReassembly;
        var now = _sa.Services.Time.GetUtcNow();
        if (slot is not null && (slot.MessageId != outer.Header.MessageId || now - slot.StartedAt > options.Timeout))
        {
            slot.Release();
            slot = null; // an older message that never completed, or one that took too long
        }

        if (slot is not null && fragment.TotalFragments < slot.TotalFragments)
        {
            Drop($"{what}: Total Fragments fell from {slot.TotalFragments}");
            return false;
        }

        if (!_sa.Protector!.TryDecryptFragment(datagram, fragment, out var content, out var error))
        {
            Drop($"{what}: {error}");
            return false;
        }

        slot ??= new FragmentReassembly(outer.Header.MessageId, fragment.TotalFragments, now, options, _sa.Services.FragmentBudget);
        switch (slot.Add(fragment.FragmentNumber, fragment.TotalFragments, fragment.FirstInnerPayload, content, datagram.ToArray()))
        {
            case FragmentResult.Kept:
                Stats.FragmentsKept++;
                return false;
            case FragmentResult.Duplicate:
                Stats.DuplicateFragments++;
                return false;
            case FragmentResult.Rejected:
                Drop($"{what}: {slot.RejectReason}");
                return false;
        }

        var complete = slot;
        slot = null;
        complete.Release(); // assembled below into one message, which the exchange owns
        var inner = new List<IIkePayload>();
        if (!PayloadChain.TryParse(complete.Assemble(), complete.FirstInnerPayload, inner, out error)
            || (error = MessageValidator.Validate(outer, inner)).IsError)
        {
            Drop($"reassembled message: {error}");
            return false;
        }

        Stats.MessagesReassembled++;
        message = new IkeMessage(outer.Header, inner);
        datagrams = complete.Datagrams;
        return true;
    }
}
