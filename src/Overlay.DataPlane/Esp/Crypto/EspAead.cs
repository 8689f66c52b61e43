namespace Overlay.DataPlane.Esp.Crypto;

/// <summary>
/// AES-GCM for one SA direction (RFC 4106), on a small pool of OpenSSL contexts so that several
/// threads can seal (or open) on the same SA at once.
/// <para>
/// Each context holds the key schedule, computed once at creation; per packet only the nonce is
/// set. A caller starts at the context its thread id maps to and takes the first free one; when all
/// are busy it waits for its own (a few hundred ns: one packet). One thread therefore always
/// reuses the same context (cache-warm), and up to <see cref="ContextCount"/> threads run in
/// parallel. Uncontended, the cost over a bare context is one <see cref="Lock"/> enter/exit.
/// </para>
/// </summary>
internal sealed class EspAead : IDisposable
{
    /// <summary>More contexts than cores cannot run at once; 4 bounds the native memory per SA.</summary>
    internal const int MaxContexts = 4;

    private readonly AesGcmContext[] _contexts;

    /// <summary>
    /// Keys <paramref name="contexts"/> OpenSSL contexts (default: one per core, at most
    /// <see cref="MaxContexts"/>) with <paramref name="key"/> (16 or 32 bytes, without the salt).
    /// Throws <see cref="CryptoInteropException"/> if OpenSSL refuses.
    /// </summary>
    public EspAead(ReadOnlySpan<byte> key, bool encrypt, int contexts = 0)
    {
        int count = contexts > 0 ? contexts : Math.Clamp(Environment.ProcessorCount, 1, MaxContexts);
        _contexts = new AesGcmContext[count];
        try
        {
            for (int i = 0; i < count; i++)
            {
                _contexts[i] = new AesGcmContext(key, encrypt);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public int ContextCount => _contexts.Length;

    /// <summary>Encrypts <paramref name="plaintext"/> into <paramref name="ciphertext"/> (same memory or disjoint) and writes the tag.</summary>
    public AeadResult Seal(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag)
    {
        AesGcmContext context = Enter();
        try
        {
            return context.SealLocked(nonce, aad, plaintext, ciphertext, tag);
        }
        finally
        {
            context.Exit();
        }
    }

    /// <summary>Verifies the tag and decrypts; <see cref="AeadResult.AuthFailed"/> for a forgery, without exception or allocation.</summary>
    public AeadResult Open(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext)
    {
        AesGcmContext context = Enter();
        try
        {
            return context.OpenLocked(nonce, aad, ciphertext, tag, plaintext);
        }
        finally
        {
            context.Exit();
        }
    }

    /// <summary>Frees every context, each after the packet in flight on it (if any). Later calls return <see cref="AeadResult.Disposed"/>.</summary>
    public void Dispose()
    {
        foreach (AesGcmContext? context in _contexts)
        {
            context?.Dispose();
        }
    }

    private AesGcmContext Enter()
    {
        AesGcmContext[] contexts = _contexts;
        int home = (int)((uint)Environment.CurrentManagedThreadId % (uint)contexts.Length);
        int i = home;
        do
        {
            if (contexts[i].TryEnter())
            {
                return contexts[i];
            }

            i = i + 1 == contexts.Length ? 0 : i + 1;
        }
        while (i != home);

        contexts[home].Enter();
        return contexts[home];
    }
}
