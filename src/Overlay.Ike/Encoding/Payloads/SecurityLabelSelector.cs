namespace Overlay.Ike.Encoding.Payloads;

/// <summary>
/// TS_SECLABEL (type 10): a security label carried as a traffic selector (RFC 9478 §2).
/// <code>
///                      1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   TS Type     |   Reserved    |       Selector Length         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                                                               |
/// ~                         Security Label*                       ~
/// |                                                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// Selector Length includes the 4-octet header. Reserved is sent as 0. The label is opaque to
/// IKE; this project carries the TVD wire label as ASCII text with a terminating NUL (as
/// strongSwan sends it, see the captured fixtures) and rejects an empty label or one without
/// the NUL as INVALID_SYNTAX, since no TVD can match it.
/// </summary>
public sealed record SecurityLabelSelector(byte[] Label) : TrafficSelector
{
    public override TrafficSelectorType Type => TrafficSelectorType.SecurityLabel;

    /// <summary>A selector for a text label; the NUL terminator is appended here.</summary>
    public static SecurityLabelSelector FromText(string label)
    {
        var bytes = new byte[System.Text.Encoding.ASCII.GetByteCount(label) + 1];
        System.Text.Encoding.ASCII.GetBytes(label, bytes);
        return new SecurityLabelSelector(bytes);
    }

    /// <summary>The label without its NUL terminator.</summary>
    public string Text => System.Text.Encoding.ASCII.GetString(Label.AsSpan().TrimEnd((byte)0));

    public override int GetEncodedLength() => HeaderLength + Label.Length;

    internal static bool TryReadBody(ref IkeReader r, IkePayloadType payload, out TrafficSelector value)
    {
        value = null!;
        var label = r.ReadToEnd();
        var error = Check(label, payload);
        if (error.IsError)
        {
            return r.Fail(error);
        }

        value = new SecurityLabelSelector(label.ToArray());
        return true;
    }

    public override void Write(ref IkeWriter w)
    {
        WriteHeader(ref w, 0);
        w.WriteBytes(Label);
    }

    public override IkeParseError Validate() => Check(Label, IkePayloadType.NoNextPayload);

    private static IkeParseError Check(ReadOnlySpan<byte> label, IkePayloadType payload)
    {
        if (label.Length == 0)
        {
            return IkeParseError.Syntax("TS_SECLABEL with an empty security label", payload);
        }

        if (label[^1] != 0)
        {
            return IkeParseError.Syntax("TS_SECLABEL label is not NUL-terminated", payload);
        }

        if (label.Length == 1 || label[..^1].IndexOf((byte)0) >= 0)
        {
            return IkeParseError.Syntax("TS_SECLABEL label is empty text or has an embedded NUL", payload);
        }

        return IkeParseError.None;
    }

    public override string ToString() => $"seclabel {Text}";
}
