namespace Overlay.Demo.BoincServer.Protocol;

/// <summary>Why a request was refused; each is a counter in the status JSON (<c>rejects</c>).</summary>
internal enum RejectReason
{
    /// <summary>Not well-formed XML, a DTD, too deep, a bad number, the wrong root element, a field missing.</summary>
    MalformedXml,

    /// <summary>A body over the bound for its URL.</summary>
    TooLarge,

    /// <summary>A reported result this server never sent.</summary>
    UnknownResult,

    /// <summary>A file name that is not a plain BOINC file name (path separators, "..", '%', too long).</summary>
    BadFileName,

    /// <summary>A file name that is well-formed but not one of this project's files.</summary>
    UnknownFile,

    /// <summary>An upload whose size, offset or MD5 does not match its data.</summary>
    BadUpload,

    /// <summary>A URL this server does not serve.</summary>
    NotFound,

    /// <summary>A known URL with the wrong HTTP method.</summary>
    MethodNotAllowed,
}

/// <summary>A request refused for <paramref name="reason"/>; the message says what was wrong, for the log and the reply.</summary>
internal sealed class ProtocolException(RejectReason reason, string message) : Exception(message)
{
    public RejectReason Reason { get; } = reason;

    /// <summary>The HTTP status the refusal is answered with.</summary>
    public int HttpStatus => Reason switch
    {
        RejectReason.TooLarge => 413,
        RejectReason.UnknownResult or RejectReason.UnknownFile or RejectReason.NotFound => 404,
        RejectReason.MethodNotAllowed => 405,
        _ => 400,
    };

    /// <summary>The name the reason has in the status JSON and the log.</summary>
    public static string Key(RejectReason reason) => reason switch
    {
        RejectReason.MalformedXml => "malformed_xml",
        RejectReason.TooLarge => "too_large",
        RejectReason.UnknownResult => "unknown_result",
        RejectReason.BadFileName => "bad_file_name",
        RejectReason.UnknownFile => "unknown_file",
        RejectReason.BadUpload => "bad_upload",
        RejectReason.NotFound => "not_found",
        RejectReason.MethodNotAllowed => "method_not_allowed",
        _ => reason.ToString(),
    };
}
