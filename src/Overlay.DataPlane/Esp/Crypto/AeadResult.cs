namespace Overlay.DataPlane.Esp.Crypto;

/// <summary>Outcome of one AES-GCM operation on an SA's <see cref="EspAead"/>.</summary>
internal enum AeadResult
{
    Ok,

    /// <summary>Opening only: the ICV did not verify (or OpenSSL refused the packet); the output is garbage.</summary>
    AuthFailed,

    /// <summary>The SA's contexts were freed (SA removed while this packet was in flight).</summary>
    Disposed,
}
