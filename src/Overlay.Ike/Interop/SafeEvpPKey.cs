using System.Runtime.InteropServices;

namespace Overlay.Ike.Interop;

/// <summary>An OpenSSL <c>EVP_PKEY*</c>; <c>EVP_PKEY_free</c> cleanses a private key's memory before freeing it.</summary>
internal sealed class SafeEvpPKey : SafeHandle
{
    public SafeEvpPKey()
        : base(invalidHandleValue: 0, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        Interop.LibCrypto.EVP_PKEY_free(handle);
        return true;
    }
}
