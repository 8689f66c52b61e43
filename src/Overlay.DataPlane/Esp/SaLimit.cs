namespace Overlay.DataPlane.Esp;

/// <summary>Which limit moved an SA towards rekeying or expiry.</summary>
public enum SaLimit
{
    Packets,
    Bytes,
    Time,

    /// <summary>The sequence counter neared (soft) or reached (hard) the end of its space, RFC 4303 §3.3.3.</summary>
    SequenceSpace,

    /// <summary>The SA was removed by the key exchange.</summary>
    Removed,
}

/// <summary>Lifecycle of an SA in the data plane.</summary>
public enum SaState
{
    Active,

    /// <summary>A soft limit passed; a rekey was requested; traffic still flows.</summary>
    RekeyRequested,

    /// <summary>A hard limit passed; the SA refuses to seal and open.</summary>
    Expired,
}
