using System.Buffers.Binary;
using System.Security.Cryptography;
using Overlay.Attest.Handshake;
using Overlay.Attest.Ima;
using Overlay.Attest.Quote;

namespace Overlay.Attest.Tests.Handshake;

public sealed class EvidenceBundleCodecTests
{
    private static byte[] List(int entries) =>
        new MeasurementList(Enumerable.Range(0, entries).Select(i => ImaNgEntry.Create(13, "sha256", SHA256.HashData(BitConverter.GetBytes(i)), $"/usr/bin/tool-{i}")).ToArray()).ToBinary();

    private static EvidenceBundle Sample(params BundleList[] lists) => new()
    {
        HostId = "host-ä1",
        EphemeralKey = Enumerable.Range(0, 91).Select(i => (byte)i).ToArray(),
        Challenge = Enumerable.Repeat((byte)7, 32).ToArray(),
        Proof = new MerkleProof(2, 5, Enumerable.Repeat((byte)9, 32).ToArray(), new byte[3 * 32]),
        Quote = new Evidence { Attest = [1, 2, 3], Signature = [4], AkPublic = [5, 6], PcrValues = [7], AkCertificate = [10] },
        SoftwareTpm = true,
        Lists = lists,
    };

    [Fact]
    public void RoundTripsEveryPartWithFullAndDeltaLists()
    {
        var full = List(300);
        var delta = List(3);
        var encoded = EvidenceBundleCodec.Encode(Sample(new(MeasurementSource.Overlay, 0, full), new(MeasurementSource.KernelIma, 17, delta)));
        Assert.Equal("TVDH"u8.ToArray(), encoded[..4]);
        Assert.True(encoded.Length < full.Length, "lists travel compressed");

        Assert.True(EvidenceBundleCodec.TryDecode(encoded, out var back, out var error), error);
        Assert.Equal("host-ä1", back.HostId);
        Assert.Equal(91, back.EphemeralKey.Length);
        Assert.Equal(Enumerable.Repeat((byte)7, 32), back.Challenge);
        Assert.Equal((2u, 5u, 3), (back.Proof.LeafIndex, back.Proof.TreeSize, back.Proof.Depth));
        Assert.Equal(new byte[] { 1, 2, 3 }, back.Quote.Attest);
        Assert.Equal(new byte[] { 10 }, back.Quote.AkCertificate);
        Assert.True(back.SoftwareTpm);
        Assert.Equal(full, back.Lists[0].Binary.ToArray());
        Assert.Equal((MeasurementSource.KernelIma, 17), (back.Lists[1].Source, back.Lists[1].Base));
        Assert.Equal(delta, back.Lists[1].Binary.ToArray());
    }

    [Fact]
    public void EveryTruncationIsAMessageNotAnException()
    {
        var encoded = EvidenceBundleCodec.Encode(Sample(new BundleList(MeasurementSource.Overlay, 0, List(20))), ListCodec.Brotli);
        for (var length = 0; length < encoded.Length; length++)
        {
            Assert.False(EvidenceBundleCodec.TryDecode(encoded.AsSpan(0, length), out _, out var error));
            Assert.NotEmpty(error);
        }
    }

    [Fact]
    public void EveryFlippedByteIsDecodedOrRefusedNeverThrown()
    {
        var encoded = EvidenceBundleCodec.Encode(Sample(new BundleList(MeasurementSource.Overlay, 0, List(20))));
        for (var i = 0; i < encoded.Length; i++)
        {
            var mutated = (byte[])encoded.Clone();
            mutated[i] ^= 0xA5;
            _ = EvidenceBundleCodec.TryDecode(mutated, out _, out _);
        }
    }

    [Fact]
    public void UnknownSectionsAreSkippedUnlessCritical()
    {
        byte[] With(ushort tag)
        {
            var encoded = EvidenceBundleCodec.Encode(Sample());
            encoded[7]++;
            return [.. encoded, (byte)(tag >> 8), (byte)tag, 0, 0, 0, 1, 0xEE];
        }

        Assert.True(EvidenceBundleCodec.TryDecode(With(0x0100), out _, out var error), error);
        Assert.False(EvidenceBundleCodec.TryDecode(With(0x8100), out _, out error));
        Assert.Contains("critical", error);
        Assert.False(EvidenceBundleCodec.TryDecode(With(3), out _, out error));
        Assert.Contains("twice", error);
    }

    [Fact]
    public void OutOfBoundsFieldsAreRefused()
    {
        Assert.Equal("host id of 256 bytes (1..255)", Refusal(Sample(), b => b.HostId = new string('h', 256)));
        Assert.Contains("not valid UTF-8", Refusal(Sample(), b => b.HostIdBytes = [0xC3, 0x28]));
        Assert.Contains("challenge of 31 bytes", Refusal(Sample(), b => b.Challenge = new byte[31]));
        Assert.Contains("claims 33 nodes", Refusal(Sample(), b => b.ProofDepth = 33));
        Assert.Contains("K_e public key of 257 bytes", Refusal(Sample(), b => b.EphemeralKey = new byte[257]));
        Assert.Contains("repeated", Refusal(Sample(new(MeasurementSource.Overlay, 0, List(1)), new(MeasurementSource.Overlay, 1, List(1)))));
        Assert.Contains("carries measurement lists", Refusal(Sample(), b => b.QuoteLogs = true));
    }

    [Fact]
    public void ADecompressionBombStopsAtTheLimitWithBoundedAllocation()
    {
        // 64 MiB of zeros compress to a few kilobytes; the limit is 16 MiB.
        var bomb = ListCompression.Compress(new byte[64 << 20], ListCodec.Brotli);
        Assert.True(bomb.Length < 64 << 10);
        var encoded = Raw(Sample(), [(MeasurementSource.Overlay, 0, ListCodec.Brotli, bomb)]);
        _ = EvidenceBundleCodec.TryDecode(encoded, out _, out _); // warm up

        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.False(EvidenceBundleCodec.TryDecode(encoded, out _, out var error));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("more than the remaining 16777216-byte limit", error);

        // Stated bound: about twice the list limit (the output buffer doubles) plus the input.
        Assert.True(allocated < 2L * HandshakeConstants.MaxListBytes + 4L * encoded.Length + (1 << 20), $"allocated {allocated} bytes");
    }

    [Fact]
    public void ListsTogetherShareOneLimit()
    {
        var eightMiB = ListCompression.Compress(new byte[(8 << 20) + 1], ListCodec.Brotli);
        var encoded = Raw(Sample(), [(MeasurementSource.Overlay, 0, ListCodec.Brotli, eightMiB), (MeasurementSource.KernelIma, 0, ListCodec.Brotli, eightMiB)]);
        Assert.False(EvidenceBundleCodec.TryDecode(encoded, out _, out var error));
        Assert.Contains("KernelIma measurement list", error);
    }

    [Fact]
    public void AHeaderClaimingEverythingWithNothingBehindItAllocatesAlmostNothing()
    {
        // Worst case for the section loop: 65,535 sections claimed, each header claiming 4 GiB.
        byte[] hostile = [.. "TVDH"u8, 0, 1, 0xFF, 0xFF, 0, 1, 0xFF, 0xFF, 0xFF, 0xFF, 0x41];
        _ = EvidenceBundleCodec.TryDecode(hostile, out _, out _);
        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.False(EvidenceBundleCodec.TryDecode(hostile, out _, out var error));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("claims 4294967295 bytes", error);
        Assert.True(allocated < 4096, $"allocated {allocated} bytes");
    }

    [Fact]
    public void AProofClaimingMoreDepthThanItCarriesIsRefusedBeforeCopying()
    {
        var data = new byte[41 + 32 * 32];
        data[40] = 255;
        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.False(MerkleProof.TryRead(data, out _, out var error));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1024);
        Assert.Contains("claims 255 nodes", error);
    }

    private static string Refusal(EvidenceBundle bundle, Action<Mutable>? change = null)
    {
        var mutable = new Mutable(bundle);
        change?.Invoke(mutable);
        Assert.False(EvidenceBundleCodec.TryDecode(mutable.Encode(), out _, out var error));
        return error;
    }

    private static byte[] Raw(EvidenceBundle bundle, IReadOnlyList<(MeasurementSource Source, int Base, ListCodec Codec, byte[] Bytes)> lists) =>
        new Mutable(bundle) { RawLists = lists }.Encode();

    /// <summary>Writes bundles the codec would never write, section by section.</summary>
    private sealed class Mutable(EvidenceBundle bundle)
    {
        public string HostId { get; set; } = bundle.HostId;

        public byte[]? HostIdBytes { get; set; }

        public byte[] EphemeralKey { get; set; } = bundle.EphemeralKey;

        public byte[] Challenge { get; set; } = bundle.Challenge;

        public int ProofDepth { get; set; } = bundle.Proof.Depth;

        public bool QuoteLogs { get; set; }

        public IReadOnlyList<(MeasurementSource Source, int Base, ListCodec Codec, byte[] Bytes)> RawLists { get; set; } =
            bundle.Lists.Select(l => (l.Source, l.Base, ListCodec.None, l.Binary.ToArray())).ToArray();

        public byte[] Encode()
        {
            var proof = new byte[41 + bundle.Proof.Path.Length];
            bundle.Proof.Write(proof);
            proof[40] = (byte)ProofDepth;
            var quote = bundle.Quote;
            if (QuoteLogs)
            {
                quote = new Evidence { Attest = quote.Attest, Signature = quote.Signature, AkPublic = quote.AkPublic, PcrValues = quote.PcrValues, Logs = [new EvidenceLog(MeasurementSource.Overlay, [])] };
            }

            var sections = new List<(ushort, byte[])>
            {
                (1, HostIdBytes ?? System.Text.Encoding.UTF8.GetBytes(HostId)), (2, EphemeralKey), (3, Challenge), (4, proof),
                (5, EvidenceCodec.Encode(quote)), (6, [bundle.SoftwareTpm ? (byte)1 : (byte)0]),
            };
            foreach (var (source, listBase, codec, bytes) in RawLists)
            {
                var body = new byte[6 + bytes.Length];
                body[0] = (byte)source;
                body[1] = (byte)codec;
                BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(2), (uint)listBase);
                bytes.CopyTo(body, 6);
                sections.Add((7, body));
            }

            var output = new List<byte>("TVDH"u8.ToArray()) { 0, 1, 0, (byte)sections.Count };
            foreach (var (tag, body) in sections)
            {
                output.AddRange([(byte)(tag >> 8), (byte)tag, (byte)(body.Length >> 24), (byte)(body.Length >> 16), (byte)(body.Length >> 8), (byte)body.Length]);
                output.AddRange(body);
            }

            return output.ToArray();
        }
    }
}
