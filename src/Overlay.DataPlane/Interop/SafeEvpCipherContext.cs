using System.Runtime.InteropServices;

namespace Overlay.DataPlane.Interop;

/// <summary>
/// An OpenSSL <c>EVP_CIPHER_CTX*</c>: holds one SA direction's AES key schedule and GHASH table.
/// Freed with <c>EVP_CIPHER_CTX_free</c>, which also wipes the key material (OpenSSL cleanses on free).
/// </summary>
internal sealed class SafeEvpCipherContext : SafeHandle
{
    private static long s_nextTraceId;
    private readonly long _traceId = Interlocked.Increment(ref s_nextTraceId);

    public SafeEvpCipherContext()
        : base(invalidHandleValue: 0, ownsHandle: true)
    {
    }

    public string Description { get; set; } = "";

    public override bool IsInvalid => handle == 0;

    public override string ToString() => $"evp#{_traceId} {Description}";

    protected override bool ReleaseHandle()
    {
        Interop.LibCrypto.EVP_CIPHER_CTX_free(handle);
        return true;
    }
}
