using Overlay.Ike.Encoding.Payloads;

namespace Overlay.Ike.Encoding.Messages;

/// <summary>
/// Applies <see cref="MessageRules"/> to a parsed message before any task sees it (convention 6).
/// Run it twice for protected messages: on the outer chain right after parsing
/// (<paramref name="inner"/> null), and again with the decrypted payloads.
/// </summary>
public static class MessageValidator
{
    /// <summary>Checks payload types, counts, encryption placement and each payload's own Validate().</summary>
    public static IkeParseError Validate(IkeMessage message, IReadOnlyList<IIkePayload>? inner = null)
    {
        var rule = MessageRules.For(message.Header.ExchangeType, message.IsResponse);
        if (rule is null)
        {
            return IkeParseError.Syntax("exchange type not supported");
        }

        var protectedSeen = 0;
        Span<int> counts = stackalloc int[256];
        foreach (var p in message.Payloads)
        {
            if (p is EncryptedPayload or EncryptedFragmentPayload)
            {
                protectedSeen++;
                if (!rule.IsProtected)
                {
                    return IkeParseError.Syntax("SK payload in an IKE_SA_INIT message", p.PayloadType);
                }

                continue;
            }

            var error = Check(rule, p, insideSk: false, counts);
            if (error.IsError)
            {
                return error;
            }
        }

        if (rule.IsProtected && protectedSeen != 1)
        {
            return IkeParseError.Syntax("protected exchange without exactly one SK/SKF payload", IkePayloadType.Encrypted);
        }

        if (inner is not null)
        {
            foreach (var p in inner)
            {
                var error = Check(rule, p, insideSk: true, counts);
                if (error.IsError)
                {
                    return error;
                }
            }
        }

        if (inner is null && rule.IsProtected)
        {
            return IkeParseError.None; // minimum counts apply to the decrypted content
        }

        foreach (var pr in rule.Payloads)
        {
            if (counts[(byte)pr.Type] < pr.Min)
            {
                return IkeParseError.Syntax("a required payload is missing", pr.Type);
            }
        }

        return IkeParseError.None;
    }

    private static IkeParseError Check(MessageRule rule, IIkePayload p, bool insideSk, Span<int> counts)
    {
        if (p is UnknownPayload unknown)
        {
            // Not understood: ignored unless critical (RFC 7296 §2.5).
            return unknown.Validate();
        }

        if (rule.Find(p.PayloadType) is not { } pr)
        {
            return IkeParseError.Syntax("payload type not allowed in this message", p.PayloadType);
        }

        if (pr.Encrypted != insideSk)
        {
            return IkeParseError.Syntax(pr.Encrypted ? "payload must be encrypted" : "payload must not be encrypted", p.PayloadType);
        }

        if (++counts[(byte)p.PayloadType] > pr.Max)
        {
            return IkeParseError.Syntax("payload occurs more often than allowed", p.PayloadType);
        }

        return p.Validate();
    }

    /// <summary>
    /// Puts payloads into the rule's emission order (stable: payloads in the same slot keep their
    /// order). Notifies with a slot of their own go there; other notifies go to the generic slot.
    /// Payloads the rule does not list go last.
    /// </summary>
    public static List<IIkePayload> Order(IkeExchangeType exchange, bool isResponse, IEnumerable<IIkePayload> payloads)
    {
        var rule = MessageRules.For(exchange, isResponse);
        var list = payloads.ToList();
        if (rule is null)
        {
            return list;
        }

        return list.Select((p, i) => (p, i, slot: SlotOf(rule, p)))
            .OrderBy(t => t.slot).ThenBy(t => t.i).Select(t => t.p).ToList();
    }

    private static int SlotOf(MessageRule rule, IIkePayload p)
    {
        var generic = -1;
        for (var i = 0; i < rule.Order.Count; i++)
        {
            var slot = rule.Order[i];
            if (slot.Type != p.PayloadType)
            {
                continue;
            }

            if (slot.Notify is null)
            {
                generic = generic < 0 ? i : generic;
            }
            else if (p is NotifyPayload n && n.Type == slot.Notify)
            {
                return i;
            }
        }

        return generic >= 0 ? generic : rule.Order.Count;
    }
}
