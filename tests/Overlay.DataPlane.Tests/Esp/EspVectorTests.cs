using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Sa;

namespace Overlay.DataPlane.Tests.Esp;

/// <summary>
/// Published ESP test cases of draft-mcgrew-gcm-test-01 §4 (AES-GCM in ESP per RFC 4106). Each
/// case gives key, salt, SPI, sequence number (32-bit or ESN), IV, the plaintext including ESP
/// padding and trailer, and the ciphertext and ICV. All cases use next header 1 and minimal padding,
/// so the inner payload is the plaintext without its last 2 + pad-length bytes.
/// </summary>
public sealed class EspVectorTests
{
    public static TheoryData<string, EspCipher, string, uint, ulong, bool, ulong, string, string, string> Vectors => new()
    {
        {
            "case 1: AES-128, ESN", EspCipher.AesGcm128, "4c80cdefbb5d10da906ac73c3613a634" + "2e443b68",
            0x00004321, 0x8765432100000000, true, 0x4956ed7e3b244cfe,
            "45000048699a000080114db7c0a80102c0a801010a9bf15638d3010000010000" +
            "00000000045f736970045f756470037369700963796265726369747902646b00" +
            "0021000101020201",
            "fecf537e729d5b07dc30df528dd22b768d1b98736696a6fd348509fa13ceac34" +
            "cfa2436f14a3f3cf65925bf1f4a13c5d15b21e1884f5ff6247aeabb786b93bce" +
            "61bc17d768fd9732",
            "459018148f6cbe722fd04796562dfdb4"
        },
        {
            "case 2: AES-128, 32-bit seq", EspCipher.AesGcm128, "feffe9928665731c6d6a8f9467308308" + "cafebabe",
            0x0000a5f8, 0x0a, false, 0xfacedbaddecaf888,
            "4500003e698f000080114dccc0a80102c0a801010a980035002a2343b2d00100" +
            "0001000000000000037369700963796265726369747902646b00000100010001",
            "deb22cd9b07c72c16e3a65beeb8df304a5a5897d33ae530f1ba76d5d114d2a5c" +
            "3de81827c10e9a4f51330d0eec416642cfbb85a5b47e48a4ec3b9ba95d918bd1",
            "83b70d3aa8bc6ee4c309e9d85a41ad4a"
        },
        {
            "case 3: AES-256, 32-bit seq", EspCipher.AesGcm256,
            "abbccddef00112233445566778899aababbccddef00112233445566778899aab" + "11223344",
            0x4a2cbfe3, 0x02, false, 0x0102030405060708,
            "4500003069a6400080062690c0a801029389155e0a9e008b2dc57ee000000000" +
            "7002400020bf0000020405b40101040201020201",
            "ff425c9b724599df7a3bcd510194e00d6a78107f1b0b1cbf06efae9d65a5d763" +
            "748a637985771d347f0545659f14e99def842d8e",
            "b335f4eecfdbf831824b4c4915956c96"
        },
        {
            "case 7: AES-128, ESN, 1 pad byte", EspCipher.AesGcm128, "abbccddef00112233445566778899aab" + "decaf888",
            0x00000100, 0x0000000000000001, true, 0xcafedebaceface74,
            "4500004933ba00007f119106c3fb1d10c2b1d326c02831ce0035dd7b800302d5" +
            "00004e20001e8c18d75b81dc91baa0476b91b924b280389d92c963bac046ec95" +
            "9b6266c04722b14923010101",
            "18a6fd42f72cbf4ab2a2ea901f73d814e3e7f243d95412e1c349c1d2fbec168f" +
            "9190feebaf2cb01984e65863965d7472b79da345e0e780191f0d2f0e0f496c22" +
            "6f2127b27db35724e7845d68",
            "651f57e65f354f75ff17015769623436"
        },
        {
            "case 8: AES-256, ESN", EspCipher.AesGcm256,
            "abbccddef00112233445566778899aababbccddef00112233445566778899aab" + "73616c74",
            0x17405e67, 0x156f3126dd0db99b, true, 0x616e640169766563,
            "45080028732c00004006e9f90a0106120a01038f06b88023dd6bafbecb712602" +
            "50101f646d540001",
            "f2d69ecdbd5a0d5b8d5ef38bad4da58d1f278fde98ef67549d524a3018d9a57f" +
            "f4d3a31ce673119e",
            "451626c2415771e3b7eebca614c89b35"
        },
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Seal_produces_the_published_packet_byte_for_byte(
        string name, EspCipher cipher, string key, uint spi, ulong seq, bool esn, ulong iv, string plaintext, string ciphertext, string icv)
    {
        using EspSa sa = Create(SaDirection.Outbound, cipher, key, spi, esn);
        (byte[] inner, byte nextHeader) = SplitTrailer(Convert.FromHexString(plaintext));
        var output = new byte[EspSa.GetSealedLength(inner.Length)];

        EspSealStatus status = sa.SealCore(seq, iv, inner, nextHeader, output, out int written);

        Assert.Equal(EspSealStatus.Ok, status);
        Assert.Equal(Convert.ToHexStringLower(ExpectedPacket(spi, seq, iv, ciphertext, icv)), Convert.ToHexStringLower(output.AsSpan(0, written)));
        _ = name; // shown in the test name only
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Open_authenticates_the_published_packet_then_refuses_next_header_1(
        string name, EspCipher cipher, string key, uint spi, ulong seq, bool esn, ulong iv, string plaintext, string ciphertext, string icv)
    {
        using EspSa sa = Create(SaDirection.Inbound, cipher, key, spi, esn);
        sa.PrimeReplayWindow(seq - 1);
        byte[] packet = ExpectedPacket(spi, seq, iv, ciphertext, icv);
        var inner = new byte[packet.Length];

        EspOpenResult result = sa.TryOpen(packet, inner, out _, out _);

        // ICV verified (else AuthFailed), padding fine (else BadPadding); next header 1 is not
        // EtherIP, so the packet is refused, but only after the window recorded it.
        Assert.Equal(EspOpenResult.BadNextHeader, result);
        Assert.Equal(Convert.FromHexString(plaintext), inner.AsSpan(0, Convert.FromHexString(plaintext).Length).ToArray());
        Assert.Equal(seq, sa.Window!.Top);
        Assert.Equal(EspOpenResult.Replay, sa.TryOpen(packet, inner, out _, out _));
        _ = name; // shown in the test name only
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Open_rejects_the_published_packet_with_one_flipped_bit(
        string name, EspCipher cipher, string key, uint spi, ulong seq, bool esn, ulong iv, string plaintext, string ciphertext, string icv)
    {
        using EspSa sa = Create(SaDirection.Inbound, cipher, key, spi, esn);
        sa.PrimeReplayWindow(seq - 1);
        byte[] packet = ExpectedPacket(spi, seq, iv, ciphertext, icv);
        packet[EspConstants.PayloadOffset + 3] ^= 0x10;

        Assert.Equal(EspOpenResult.AuthFailed, sa.TryOpen(packet, new byte[packet.Length], out _, out _));
        Assert.Equal(seq - 1, sa.Window!.Top);
        Assert.Equal(1, sa.Drops[Overlay.DataPlane.Counters.DropReason.AuthFailed]);
        _ = (name, plaintext); // shown in the test name only
    }

    private static EspSa Create(SaDirection direction, EspCipher cipher, string key, uint spi, bool esn) =>
        EspSa.Create(new SaDescriptor(TestSas.Peer, 10, "red", direction, spi, cipher, Convert.FromHexString(key), ExtendedSequenceNumbers: esn));

    private static (byte[] Inner, byte NextHeader) SplitTrailer(byte[] plaintext)
    {
        int padLength = plaintext[^2];
        return (plaintext[..^(padLength + 2)], plaintext[^1]);
    }

    private static byte[] ExpectedPacket(uint spi, ulong seq, ulong iv, string ciphertext, string icv) =>
        Convert.FromHexString($"{spi:x8}{(uint)seq:x8}{iv:x16}{ciphertext}{icv}");
}
