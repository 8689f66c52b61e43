using System.Diagnostics.CodeAnalysis;
using Overlay.DataPlane.Interop;

namespace Overlay.DataPlane.Esp.Crypto;

/// <summary>
/// One OpenSSL AES-GCM context, keyed once, and the lock that gives one thread at a time the right
/// to use it. The lock is also what makes disposal safe: the native context is freed under it, after
/// the disposed flag is set, so a packet that got the lock either sees the flag or a live context —
/// never freed memory.
/// </summary>
internal sealed class AesGcmContext : IDisposable
{
    private readonly SafeEvpCipherContext _handle;
    private readonly nint _ctx;
    private readonly Lock _lock = new();
    private bool _disposed; // guarded by _lock

    public AesGcmContext(ReadOnlySpan<byte> key, bool encrypt)
    {
        _handle = Interop.Interop.LibCrypto.CreateGcmContext(key, encrypt);
        _ctx = _handle.DangerousGetHandle();
    }

    /// <summary>Takes the context if no other thread holds it.</summary>
    public bool TryEnter() => _lock.TryEnter();

    /// <summary>Waits for the context.</summary>
    public void Enter() => _lock.Enter();

    public void Exit() => _lock.Exit();

    /// <summary>Encrypts one packet; the caller holds the lock (<see cref="TryEnter"/>/<see cref="Enter"/>).</summary>
    public AeadResult SealLocked(
        ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag)
    {
        if (_disposed)
        {
            return AeadResult.Disposed;
        }

        if (!Interop.Interop.LibCrypto.GcmEncrypt(_ctx, nonce, aad, plaintext, ciphertext, tag))
        {
            ThrowSealFailed();
        }

        return AeadResult.Ok;
    }

    /// <summary>Verifies and decrypts one packet; the caller holds the lock.</summary>
    public AeadResult OpenLocked(
        ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext)
    {
        if (_disposed)
        {
            return AeadResult.Disposed;
        }

        return Interop.Interop.LibCrypto.GcmDecrypt(_ctx, nonce, aad, ciphertext, tag, plaintext)
            ? AeadResult.Ok
            : AeadResult.AuthFailed;
    }

    /// <summary>Waits for the packet in flight on this context (if any), then frees it. Idempotent.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _handle.Dispose();
        }
    }

    public override string ToString() => _handle.ToString();

    /// <summary>
    /// Encryption has no input that OpenSSL can reject (lengths are checked before): a failure here
    /// is OpenSSL's own, reported like a failed <c>AesGcm.Encrypt</c> was, by exception.
    /// </summary>
    [DoesNotReturn]
    private static void ThrowSealFailed() => throw Interop.Interop.LibCrypto.TakeError("AES-GCM encrypt (EVP_Encrypt*)");
}
