using System.Security.Cryptography;
using Overlay.DataPlane.Esp.Crypto;
using LibCrypto = Overlay.DataPlane.Interop.Interop.LibCrypto;

namespace Overlay.DataPlane.Tests.Esp.Crypto;

/// <summary>
/// The OpenSSL EVP contexts agree with .NET's <see cref="AesGcm"/> (an independent caller of the same
/// primitive), report forgeries as results, and leave OpenSSL's error queue empty afterwards.
/// </summary>
public sealed class EspAeadTests
{
    private static readonly byte[] Aad = [0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 7];

    [Theory]
    [InlineData(16)]
    [InlineData(32)]
    public void Sealing_matches_dotnet_AesGcm_and_dotnet_opens_it(int keySize)
    {
        byte[] key = RandomNumberGenerator.GetBytes(keySize);
        using var aead = new EspAead(key, encrypt: true);
        using var reference = new AesGcm(key, 16);
        foreach (int length in new[] { 1, 15, 16, 17, 100, 1400, 9000 })
        {
            byte[] nonce = RandomNumberGenerator.GetBytes(12);
            byte[] plaintext = RandomNumberGenerator.GetBytes(length);
            var ciphertext = new byte[length];
            var tag = new byte[16];
            var expected = new byte[length];
            var expectedTag = new byte[16];

            Assert.Equal(AeadResult.Ok, aead.Seal(nonce, Aad, plaintext, ciphertext, tag));
            reference.Encrypt(nonce, plaintext, expected, expectedTag, Aad);

            Assert.Equal(expected, ciphertext);
            Assert.Equal(expectedTag, tag);
        }
    }

    [Theory]
    [InlineData(16)]
    [InlineData(32)]
    public void Opening_recovers_what_dotnet_AesGcm_sealed(int keySize)
    {
        byte[] key = RandomNumberGenerator.GetBytes(keySize);
        using var aead = new EspAead(key, encrypt: false);
        using var reference = new AesGcm(key, 16);
        byte[] nonce = RandomNumberGenerator.GetBytes(12);
        byte[] plaintext = RandomNumberGenerator.GetBytes(1400);
        var ciphertext = new byte[plaintext.Length];
        var tag = new byte[16];
        reference.Encrypt(nonce, plaintext, ciphertext, tag, Aad);

        var opened = new byte[plaintext.Length];
        Assert.Equal(AeadResult.Ok, aead.Open(nonce, Aad, ciphertext, tag, opened));
        Assert.Equal(plaintext, opened);

        // In place, as the SA opens packets in their own buffer.
        Assert.Equal(AeadResult.Ok, aead.Open(nonce, Aad, ciphertext, tag, ciphertext));
        Assert.Equal(plaintext, ciphertext);
    }

    [Theory]
    [InlineData("tag")]
    [InlineData("ciphertext")]
    [InlineData("aad")]
    [InlineData("nonce")]
    public void A_forgery_is_AuthFailed_without_exception_and_the_context_still_works(string tampered)
    {
        byte[] key = RandomNumberGenerator.GetBytes(16);
        (byte[] nonce, byte[] ciphertext, byte[] tag, byte[] plaintext) = SealWithDotnet(key);
        using var aead = new EspAead(key, encrypt: false, contexts: 1);
        byte[] aad = (byte[])Aad.Clone();
        byte[] target = tampered switch { "tag" => tag, "ciphertext" => ciphertext, "aad" => aad, _ => nonce };
        target[^1] ^= 0x01;
        var opened = new byte[ciphertext.Length];

        Assert.Equal(AeadResult.AuthFailed, aead.Open(nonce, aad, ciphertext, tag, opened));
        Assert.False(LibCrypto.HasQueuedError);

        // The next, genuine packet on the same context is unaffected by the failed one.
        target[^1] ^= 0x01;
        Assert.Equal(AeadResult.Ok, aead.Open(nonce, aad, ciphertext, tag, opened));
        Assert.Equal(plaintext, opened);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(8)]
    [InlineData(12)]
    [InlineData(15)]
    public void A_truncated_tag_is_AuthFailed_even_when_its_bytes_are_a_correct_prefix(int tagLength)
    {
        byte[] key = RandomNumberGenerator.GetBytes(32);
        (byte[] nonce, byte[] ciphertext, byte[] tag, _) = SealWithDotnet(key);
        using var aead = new EspAead(key, encrypt: false);

        Assert.Equal(AeadResult.AuthFailed, aead.Open(nonce, Aad, ciphertext, tag.AsSpan(0, tagLength), new byte[ciphertext.Length]));
        Assert.False(LibCrypto.HasQueuedError);
    }

    [Fact]
    public void A_key_that_is_not_AES_128_or_256_is_refused_at_creation()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => new EspAead(new byte[24], encrypt: true));
        Assert.Contains("16 or 32 bytes", error.Message);
    }

    [Fact]
    public void After_dispose_every_call_reports_Disposed_instead_of_touching_freed_memory()
    {
        byte[] key = RandomNumberGenerator.GetBytes(16);
        var sealer = new EspAead(key, encrypt: true, contexts: 3);
        var buffer = new byte[64];
        var tag = new byte[16];
        Assert.Equal(AeadResult.Ok, sealer.Seal(new byte[12], Aad, buffer, buffer, tag));

        sealer.Dispose();
        sealer.Dispose(); // idempotent

        Assert.Equal(AeadResult.Disposed, sealer.Seal(new byte[12], Aad, buffer, buffer, tag));
        Assert.Equal(AeadResult.Disposed, sealer.Open(new byte[12], Aad, buffer, tag, buffer));
        Assert.Equal(3, sealer.ContextCount);
    }

    [Fact]
    public void Contexts_default_to_one_per_core_up_to_the_maximum()
    {
        using var aead = new EspAead(new byte[16], encrypt: true);
        Assert.Equal(Math.Clamp(Environment.ProcessorCount, 1, EspAead.MaxContexts), aead.ContextCount);
    }

    private static (byte[] Nonce, byte[] Ciphertext, byte[] Tag, byte[] Plaintext) SealWithDotnet(byte[] key)
    {
        using var reference = new AesGcm(key, 16);
        byte[] nonce = RandomNumberGenerator.GetBytes(12);
        byte[] plaintext = RandomNumberGenerator.GetBytes(200);
        var ciphertext = new byte[plaintext.Length];
        var tag = new byte[16];
        reference.Encrypt(nonce, plaintext, ciphertext, tag, Aad);
        return (nonce, ciphertext, tag, plaintext);
    }
}
