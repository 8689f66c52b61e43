using System.Security.Cryptography;

namespace Overlay.DataPlane.Interop;

/// <summary>
/// OpenSSL refused to set up an AES-GCM context (binding time: SA creation), or failed to encrypt
/// with a context it had accepted (an environment failure, never caused by packet contents). Carries
/// the failing call and OpenSSL's own error code and reason string (ERR_get_error / ERR_error_string_n).
/// A forged or damaged packet is never reported this way: it is a result and a drop count.
/// </summary>
public sealed class CryptoInteropException : CryptographicException
{
    public CryptoInteropException(string call, ulong openSslError, string reason)
        : base($"{call} failed: {reason} (OpenSSL error 0x{openSslError:x})")
    {
        Call = call;
        OpenSslError = openSslError;
    }

    /// <summary>The libcrypto function that failed.</summary>
    public string Call { get; }

    /// <summary>The packed OpenSSL error code (0 when OpenSSL queued none).</summary>
    public ulong OpenSslError { get; }
}
