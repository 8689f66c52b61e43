namespace Overlay.Ike.Encoding.Messages;

/// <summary>How often a payload type may appear in one message and whether it must be inside SK.</summary>
public readonly record struct PayloadRule(IkePayloadType Type, int Min, int Max, bool Encrypted);

/// <summary>One slot of the emission order: a payload type, or a notify of one specific type.</summary>
public readonly record struct OrderSlot(IkePayloadType Type, NotifyType? Notify = null);

/// <summary>The rules of one (exchange type, request/response) pair.</summary>
public sealed record MessageRule(IkeExchangeType Exchange, bool IsResponse, IReadOnlyList<PayloadRule> Payloads, IReadOnlyList<OrderSlot> Order)
{
    /// <summary>True when the content travels inside SK/SKF (everything after IKE_SA_INIT, RFC 7296 §1.2).</summary>
    public bool IsProtected => Exchange != IkeExchangeType.IkeSaInit;

    public PayloadRule? Find(IkePayloadType type)
    {
        foreach (var p in Payloads)
        {
            if (p.Type == type)
            {
                return p;
            }
        }

        return null;
    }
}

/// <summary>
/// Which payloads each message may carry, as data (convention 6; strongSwan's message.c keeps
/// the same kind of table). Minimums are what every well-formed message of that kind has; the
/// tasks check what a particular exchange needs (e.g. IDi in the first IKE_AUTH round).
/// Counts come from RFC 7296 §1.2–§1.5 and §2.6/§2.23; the order is the one strongSwan emits,
/// so our messages look like theirs on the wire.
/// </summary>
public static partial class MessageRules
{
    // Sanity bounds for repeatable payloads: RFC 7296 sets none; these stop a peer from
    // making us hold thousands of payloads.
    public const int MaxNotifies = 64;
    public const int MaxCertificates = 16;
    public const int MaxVendorIds = 32;
    public const int MaxDeletes = 32;

    private static readonly MessageRule[] Table;

    // A static constructor runs after every field initializer of both partial files, so the
    // table never sees a rule that is still null (field order across partial files is not defined).
    static MessageRules()
    {
        Table =
        [
            IkeSaInitRequest, IkeSaInitResponse, IkeAuthRequest, IkeAuthResponse,
            CreateChildSaRequest, CreateChildSaResponse, InformationalRequest, InformationalResponse,
            IkeIntermediateRequest, IkeIntermediateResponse,
        ];
    }

    /// <summary>The rule for this exchange and direction, or null for an exchange type we do not implement.</summary>
    public static MessageRule? For(IkeExchangeType exchange, bool isResponse)
    {
        foreach (var rule in Table)
        {
            if (rule.Exchange == exchange && rule.IsResponse == isResponse)
            {
                return rule;
            }
        }

        return null;
    }

    private static PayloadRule P(IkePayloadType type, int min, int max, bool encrypted) => new(type, min, max, encrypted);

    private static OrderSlot O(IkePayloadType type, NotifyType? notify = null) => new(type, notify);

    private static OrderSlot N(NotifyType notify) => new(IkePayloadType.Notify, notify);
}
