using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Overlay.Common.Interop.OpenSsl;

namespace Overlay.Ike.Interop;

internal static partial class Interop
{
    /// <summary>
    /// X25519 (RFC 7748) through OpenSSL's EVP_PKEY interface: the same libcrypto .NET's cryptography loads,
    /// about four times faster than a managed implementation — and every IKE_SA_INIT costs a responder two of
    /// these (its key pair, then the shared secret), which is what an IKE storm makes a host pay. OpenSSL does
    /// the math; this file drives the documented calls.
    /// </summary>
    internal static unsafe partial class LibCrypto
    {
        /// <summary>openssl/obj_mac.h NID_X25519 (= EVP_PKEY_X25519).</summary>
        private const int EvpPkeyX25519 = 1034;

        public const int X25519KeyLength = 32;

        [LibraryImport(OpenSslError.Library)]
        private static partial SafeEvpPKey EVP_PKEY_new_raw_private_key(int type, nint engine, byte* key, nuint length);

        [LibraryImport(OpenSslError.Library)]
        private static partial SafeEvpPKey EVP_PKEY_new_raw_public_key(int type, nint engine, byte* key, nuint length);

        [LibraryImport(OpenSslError.Library)]
        private static partial int EVP_PKEY_get_raw_public_key(SafeEvpPKey key, byte* buffer, nuint* length);

        [LibraryImport(OpenSslError.Library)]
        internal static partial void EVP_PKEY_free(nint key);

        [LibraryImport(OpenSslError.Library)]
        private static partial nint EVP_PKEY_CTX_new(SafeEvpPKey key, nint engine);

        [LibraryImport(OpenSslError.Library)]
        private static partial void EVP_PKEY_CTX_free(nint context);

        [LibraryImport(OpenSslError.Library)]
        private static partial int EVP_PKEY_derive_init(nint context);

        [LibraryImport(OpenSslError.Library)]
        private static partial int EVP_PKEY_derive_set_peer(nint context, SafeEvpPKey peer);

        [LibraryImport(OpenSslError.Library)]
        private static partial int EVP_PKEY_derive(nint context, byte* secret, nuint* length);

        /// <summary>A fresh X25519 key pair from 32 random octets (X25519 clamps them, RFC 7748 §5); writes the public value.</summary>
        /// <exception cref="CryptographicException">OpenSSL failed (an environment failure; its reason is in the message).</exception>
        public static SafeEvpPKey GenerateX25519(Span<byte> publicKey)
        {
            byte* secret = stackalloc byte[X25519KeyLength];
            var secretSpan = new Span<byte>(secret, X25519KeyLength);
            RandomNumberGenerator.Fill(secretSpan);
            SafeEvpPKey key = EVP_PKEY_new_raw_private_key(EvpPkeyX25519, 0, secret, X25519KeyLength);
            CryptographicOperations.ZeroMemory(secretSpan);
            if (key.IsInvalid)
            {
                key.Dispose();
                throw Failure("EVP_PKEY_new_raw_private_key");
            }

            nuint length = X25519KeyLength;
            fixed (byte* p = publicKey)
            {
                if (publicKey.Length < X25519KeyLength || EVP_PKEY_get_raw_public_key(key, p, &length) != 1 || length != X25519KeyLength)
                {
                    key.Dispose();
                    throw Failure("EVP_PKEY_get_raw_public_key");
                }
            }

            return key;
        }

        /// <summary>
        /// X25519(our key, the peer's u-coordinate) into <paramref name="secret"/>; false when OpenSSL refuses,
        /// which for a well-formed key pair means the result is all zero — a low-order peer point (RFC 7748 §6.1).
        /// </summary>
        public static bool DeriveX25519(SafeEvpPKey key, ReadOnlySpan<byte> peerPublicKey, Span<byte> secret)
        {
            SafeEvpPKey peer;
            fixed (byte* p = peerPublicKey)
            {
                peer = EVP_PKEY_new_raw_public_key(EvpPkeyX25519, 0, p, (nuint)peerPublicKey.Length);
            }

            using (peer)
            {
                nint context = peer.IsInvalid ? 0 : EVP_PKEY_CTX_new(key, 0);
                try
                {
                    nuint length = (nuint)secret.Length;
                    fixed (byte* s = secret)
                    {
                        if (context != 0 && EVP_PKEY_derive_init(context) == 1 && EVP_PKEY_derive_set_peer(context, peer) == 1
                            && EVP_PKEY_derive(context, s, &length) == 1 && length == X25519KeyLength)
                        {
                            return true;
                        }
                    }

                    OpenSslError.Clear();
                    return false;
                }
                finally
                {
                    if (context != 0)
                    {
                        EVP_PKEY_CTX_free(context);
                    }
                }
            }
        }

        private static CryptographicException Failure(string call)
        {
            (ulong code, string reason) = OpenSslError.Take();
            return new CryptographicException($"{call} failed: {reason} (OpenSSL error 0x{code:x})");
        }
    }
}
