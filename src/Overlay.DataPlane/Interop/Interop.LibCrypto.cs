using System.Runtime.InteropServices;
using Overlay.Common.Interop.OpenSsl;

namespace Overlay.DataPlane.Interop;

internal static partial class Interop
{
    /// <summary>
    /// AES-GCM through OpenSSL's EVP interface (libcrypto 3, the same library .NET's own crypto loads).
    /// OpenSSL does every cryptographic step; this file only drives the documented EVP sequence:
    /// init (cipher, then key once, then IV per packet) → AAD update → data update → final → tag.
    /// <para>
    /// Why not <c>System.Security.Cryptography.AesGcm</c>: it reports a forged ICV only by throwing
    /// (an allocation per bad packet) and clears OpenSSL's error queue around every call. Here a bad
    /// tag is a <c>false</c>, and the error queue is cleared only on the failure path.
    /// </para>
    /// Per-packet wrappers take the raw context pointer: the caller (<see cref="AesGcmContext"/>)
    /// holds the lock that keeps the context alive, so no SafeHandle ref-counting per call.
    /// </summary>
    internal static unsafe partial class LibCrypto
    {
        public const string Library = OpenSslError.Library;

        /// <summary>GCM's 96-bit nonce (salt || explicit IV, RFC 4106 §4); also OpenSSL's default.</summary>
        public const int GcmNonceSize = 12;

        /// <summary>Full 16-byte tag (RFC 4106 §3: ICV of 16 octets, the one size we negotiate).</summary>
        public const int GcmTagSize = 16;

        // openssl/evp.h: EVP_CTRL_AEAD_SET_IVLEN / GET_TAG / SET_TAG (the GCM aliases share the values).
        private const int EvpCtrlGcmSetIvLength = 0x9;
        private const int EvpCtrlGcmGetTag = 0x10;
        private const int EvpCtrlGcmSetTag = 0x11;

        [LibraryImport(Library)]
        private static partial SafeEvpCipherContext EVP_CIPHER_CTX_new();

        [LibraryImport(Library)]
        internal static partial void EVP_CIPHER_CTX_free(nint ctx);

        [LibraryImport(Library)]
        private static partial nint EVP_aes_128_gcm();

        [LibraryImport(Library)]
        private static partial nint EVP_aes_256_gcm();

        [LibraryImport(Library)]
        private static partial int EVP_EncryptInit_ex(nint ctx, nint cipher, nint engine, byte* key, byte* iv);

        [LibraryImport(Library)]
        private static partial int EVP_DecryptInit_ex(nint ctx, nint cipher, nint engine, byte* key, byte* iv);

        [LibraryImport(Library)]
        private static partial int EVP_CIPHER_CTX_ctrl(nint ctx, int type, int arg, void* ptr);

        [LibraryImport(Library)]
        private static partial int EVP_EncryptUpdate(nint ctx, byte* output, int* outputLength, byte* input, int inputLength);

        [LibraryImport(Library)]
        private static partial int EVP_EncryptFinal_ex(nint ctx, byte* output, int* outputLength);

        [LibraryImport(Library)]
        private static partial int EVP_DecryptUpdate(nint ctx, byte* output, int* outputLength, byte* input, int inputLength);

        [LibraryImport(Library)]
        private static partial int EVP_DecryptFinal_ex(nint ctx, byte* output, int* outputLength);

        /// <summary>True while this thread's OpenSSL error queue holds an entry (tests check failure paths leave none).</summary>
        internal static bool HasQueuedError => OpenSslError.IsQueued;

        /// <summary>
        /// A context keyed once for AES-<paramref name="key"/>.Length*8-GCM with a 12-byte IV, for
        /// encryption or decryption. The key schedule and GHASH table are computed here, never per packet.
        /// </summary>
        public static SafeEvpCipherContext CreateGcmContext(ReadOnlySpan<byte> key, bool encrypt)
        {
            nint cipher = key.Length switch
            {
                16 => EVP_aes_128_gcm(),
                32 => EVP_aes_256_gcm(),
                _ => throw new ArgumentException($"AES-GCM key must be 16 or 32 bytes, not {key.Length}.", nameof(key)),
            };

            SafeEvpCipherContext context = EVP_CIPHER_CTX_new();
            if (context.IsInvalid)
            {
                context.Dispose();
                throw TakeError("EVP_CIPHER_CTX_new");
            }

            try
            {
                nint ctx = context.DangerousGetHandle();
                fixed (byte* k = key)
                {
                    // OpenSSL's documented order: cipher, IV length, then key (IV comes per packet).
                    Check(Init(ctx, cipher, null, null, encrypt), encrypt ? "EVP_EncryptInit_ex" : "EVP_DecryptInit_ex");
                    Check(EVP_CIPHER_CTX_ctrl(ctx, EvpCtrlGcmSetIvLength, GcmNonceSize, null), "EVP_CIPHER_CTX_ctrl(SET_IVLEN)");
                    Check(Init(ctx, 0, k, null, encrypt), "EVP_CipherInit_ex(key)");
                }
            }
            catch
            {
                context.Dispose();
                throw;
            }

            context.Description = $"AES-{key.Length * 8}-GCM {(encrypt ? "seal" : "open")}";
            return context;
        }

        /// <summary>
        /// Encrypts <paramref name="plaintext"/> into <paramref name="ciphertext"/> (same length; the
        /// same memory or disjoint) and writes the 16-byte tag. False only if OpenSSL itself failed
        /// (never for any input the ESP layer passes); the caller then reports it with
        /// <see cref="TakeError"/>, which also empties the error queue.
        /// </summary>
        public static bool GcmEncrypt(
            nint ctx, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag)
        {
            fixed (byte* n = nonce)
            fixed (byte* a = aad)
            fixed (byte* p = plaintext)
            fixed (byte* c = ciphertext)
            fixed (byte* t = tag)
            {
                int length;
                bool ok = EVP_EncryptInit_ex(ctx, 0, 0, null, n) > 0
                    && EVP_EncryptUpdate(ctx, null, &length, a, aad.Length) > 0
                    && EVP_EncryptUpdate(ctx, c, &length, p, plaintext.Length) > 0 && length == plaintext.Length
                    && EVP_EncryptFinal_ex(ctx, c + length, &length) > 0 && length == 0
                    && EVP_CIPHER_CTX_ctrl(ctx, EvpCtrlGcmGetTag, GcmTagSize, t) > 0;
                return ok;
            }
        }

        /// <summary>
        /// Decrypts and verifies. False for a wrong tag (or any OpenSSL failure): the caller must
        /// discard <paramref name="plaintext"/>, whose content is then undefined. No exception, no
        /// allocation; the error queue is cleared on this path only.
        /// </summary>
        public static bool GcmDecrypt(
            nint ctx, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext)
        {
            fixed (byte* n = nonce)
            fixed (byte* a = aad)
            fixed (byte* c = ciphertext)
            fixed (byte* t = tag)
            fixed (byte* p = plaintext)
            {
                int length;
                bool ok = tag.Length == GcmTagSize
                    && EVP_DecryptInit_ex(ctx, 0, 0, null, n) > 0
                    && EVP_CIPHER_CTX_ctrl(ctx, EvpCtrlGcmSetTag, GcmTagSize, t) > 0
                    && EVP_DecryptUpdate(ctx, null, &length, a, aad.Length) > 0
                    && EVP_DecryptUpdate(ctx, p, &length, c, ciphertext.Length) > 0 && length == ciphertext.Length
                    && EVP_DecryptFinal_ex(ctx, p + length, &length) > 0 && length == 0;
                return ok || ClearErrors();
            }
        }

        private static int Init(nint ctx, nint cipher, byte* key, byte* iv, bool encrypt) =>
            encrypt ? EVP_EncryptInit_ex(ctx, cipher, 0, key, iv) : EVP_DecryptInit_ex(ctx, cipher, 0, key, iv);

        private static void Check(int result, string call)
        {
            if (result <= 0)
            {
                throw TakeError(call);
            }
        }

        /// <summary>Empties this thread's OpenSSL error queue (a tag mismatch may leave nothing, or an entry); returns false.</summary>
        private static bool ClearErrors()
        {
            OpenSslError.Clear();
            return false;
        }

        /// <summary>The call and OpenSSL's oldest queued reason, with the queue emptied (failure paths only: it allocates).</summary>
        public static CryptoInteropException TakeError(string call)
        {
            (ulong code, string reason) = OpenSslError.Take();
            return new CryptoInteropException(call, code, reason);
        }
    }
}
