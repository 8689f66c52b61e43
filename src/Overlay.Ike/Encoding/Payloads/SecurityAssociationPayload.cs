namespace Overlay.Ike.Encoding.Payloads;

/// <summary>
/// Security Association payload, SA (RFC 7296 §3.3).
/// <code>
///                      1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Next Payload  |C|  RESERVED   |         Payload Length        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                          &lt;Proposals&gt;                          ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public sealed record SecurityAssociationPayload(IReadOnlyList<Proposal> Proposals) : IIkePayload<SecurityAssociationPayload>
{
    public IkePayloadType PayloadType => IkePayloadType.SecurityAssociation;

    public int GetEncodedLength()
    {
        var length = 0;
        foreach (var p in Proposals)
        {
            length += p.GetEncodedLength();
        }

        return length;
    }

    public static bool TryRead(ref IkeReader r, out SecurityAssociationPayload value)
    {
        value = null!;
        var proposals = new List<Proposal>();
        var sawLast = false;
        while (!r.IsEmpty)
        {
            if (sawLast)
            {
                return r.Fail("bytes after the last proposal", IkePayloadType.SecurityAssociation);
            }

            if (!Proposal.TryRead(ref r, out var proposal, out sawLast))
            {
                return false;
            }

            proposals.Add(proposal);
        }

        if (!sawLast)
        {
            return r.Fail("SA payload has no last proposal", IkePayloadType.SecurityAssociation);
        }

        value = new SecurityAssociationPayload(proposals);
        return true;
    }

    public void Write(ref IkeWriter w)
    {
        for (var i = 0; i < Proposals.Count; i++)
        {
            Proposals[i].Write(ref w, i == Proposals.Count - 1);
        }
    }

    public IkeParseError Validate()
    {
        if (Proposals.Count == 0)
        {
            return IkeParseError.Syntax("SA payload without proposals", IkePayloadType.SecurityAssociation);
        }

        foreach (var p in Proposals)
        {
            var error = p.Validate();
            if (error.IsError)
            {
                return error;
            }
        }

        return IkeParseError.None;
    }
}
