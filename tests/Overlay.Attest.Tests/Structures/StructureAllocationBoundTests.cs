using System.Buffers.Binary;
using Overlay.Attest.Structures;
using Overlay.Attest.Tests.Fixtures;

namespace Overlay.Attest.Tests.Structures;

/// <summary>
/// TPM structures a peer's evidence carries (TPML_PCR_SELECTION, the PCR values that follow it, the
/// tpm2-tools PCR file) allocate in proportion to the octets present, not to the counts they claim
/// (issue 12, item 1): at most <see cref="AllocationMeter.BytesPerInputOctet"/> × input + <see cref="AllocationMeter.FixedAllowance"/>.
/// </summary>
public sealed class StructureAllocationBoundTests
{
    /// <summary>16 banks (the most accepted), each selecting all 32 PCRs its 4-octet bitmap can name.</summary>
    private static byte[] FullSelection()
    {
        var bytes = new byte[4 + TpmConstants.MaxPcrBanks * 7];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, TpmConstants.MaxPcrBanks);
        for (var i = 0; i < TpmConstants.MaxPcrBanks; i++)
        {
            var bank = bytes.AsSpan(4 + i * 7, 7);
            BinaryPrimitives.WriteUInt16BigEndian(bank, TpmConstants.AlgSha256);
            bank[2] = TpmConstants.PcrSelectMax;
            bank[3..].Fill(0xFF);
        }

        return bytes;
    }

    private static bool ReadPcrValues(byte[] data)
    {
        var reader = new TpmReader(data);
        return PcrValues.TryRead(ref reader, out _);
    }

    [Fact]
    public void Pcr_values_claiming_512_digests_with_none_present_are_refused_within_the_bound()
    {
        // The selection names 512 PCRs and the count agrees, but not one digest follows.
        byte[] data = [.. FullSelection(), 0, 0, 2, 0];
        Assert.False(ReadPcrValues(data));
        var allocated = AllocationMeter.AssertBounded(data.Length, () => ReadPcrValues(data));
        Assert.True(allocated < 512 * 8, $"{allocated} bytes: an array was sized by the claimed count");
    }

    [Fact]
    public void Pcr_values_with_every_digest_present_are_read_within_the_bound()
    {
        // 512 empty TPM2B digests: the smallest octets per value a peer can send.
        byte[] data = [.. FullSelection(), 0, 0, 2, 0, .. new byte[512 * 2]];
        Assert.True(ReadPcrValues(data));
        AllocationMeter.AssertBounded(data.Length, () => ReadPcrValues(data));
    }

    [Fact]
    public void Tpm2_tools_pcr_file_of_the_largest_size_is_read_within_the_bound()
    {
        // 132-octet selection (16 full banks), then 64 digest lists of 8 empty digests: 512 values.
        var file = new byte[132 + 4 + (64 * 532)];
        BinaryPrimitives.WriteUInt32LittleEndian(file, TpmConstants.MaxPcrBanks);
        for (var i = 0; i < TpmConstants.MaxPcrBanks; i++)
        {
            var entry = file.AsSpan(4 + i * 8, 8);
            BinaryPrimitives.WriteUInt16LittleEndian(entry, TpmConstants.AlgSha256);
            entry[2] = TpmConstants.PcrSelectMax;
            entry.Slice(3, 4).Fill(0xFF);
        }

        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(132), 64);
        for (var l = 0; l < 64; l++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(136 + l * 532), 8);
        }

        Assert.True(Tpm2ToolsPcrFile.TryParse(file, out var values, out var error), error);
        Assert.Equal(512, values.Digests.Count);
        AllocationMeter.AssertBounded(file.Length, () => Tpm2ToolsPcrFile.TryParse(file, out _, out _));
    }
}
