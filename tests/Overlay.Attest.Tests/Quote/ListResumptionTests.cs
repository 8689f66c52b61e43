using System.Runtime.Versioning;
using System.Security.Cryptography;
using Overlay.Attest.Ima;
using Overlay.Attest.Quote;
using Overlay.Attest.Structures;

namespace Overlay.Attest.Tests.Quote;

/// <summary>
/// A list on disk meets the PCR it records, without a TPM: a software SHA-256 PCR stands in, extended by the same
/// <see cref="Measurer"/> the daemon uses.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class ListResumptionTests : IDisposable
{
    private const int Pcr = 13;
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("tvd-list-");
    private readonly SoftwarePcr _tpm = new();

    private string Binary => Path.Combine(_directory.FullName, "measurements", "binary_runtime_measurements");

    private string Ascii => Path.Combine(_directory.FullName, "measurements", "ascii_runtime_measurements");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void Without_a_list_a_new_one_begins_and_the_pcr_is_not_read()
    {
        using var log = ListResumption.Open(Binary, Ascii, Pcr, _ => throw new InvalidOperationException("read"), out var resumption);

        Assert.Equal(ListResumptionKind.New, resumption.Kind);
        Assert.Empty(log.Snapshot().Entries);
    }

    [Fact]
    public void A_list_that_explains_the_pcr_is_continued()
    {
        MeasureTwice();

        using var log = ListResumption.Open(Binary, Ascii, Pcr, _tpm.Read, out var resumption);

        Assert.Equal(new ListResumption(ListResumptionKind.Continued, 2), resumption);
        Assert.Equal(["one", "two"], log.Snapshot().Entries.Select(e => e.Path));
    }

    [Fact]
    public void After_a_reset_the_list_is_set_aside_and_a_new_one_begins()
    {
        MeasureTwice();
        _tpm.Reset();

        using var log = ListResumption.Open(Binary, Ascii, Pcr, _tpm.Read, out var resumption);

        Assert.Equal(new ListResumption(ListResumptionKind.SetAsideAfterReset, 2, Previous: Binary + MeasurementLogFiles.PreviousSuffix), resumption);
        Assert.Empty(log.Snapshot().Entries);
        Assert.True(File.Exists(Ascii + MeasurementLogFiles.PreviousSuffix));
    }

    [Fact]
    public void A_pcr_holding_more_than_the_list_sets_it_aside_with_the_reason()
    {
        MeasureTwice();
        _tpm.Extend(Pcr, new byte[20], SHA256.HashData("someone else"u8));

        using var log = ListResumption.Open(Binary, Ascii, Pcr, _tpm.Read, out var resumption);

        Assert.Equal(ListResumptionKind.SetAsideUnexplained, resumption.Kind);
        Assert.Equal(2, resumption.Entries);
        Assert.False(string.IsNullOrEmpty(resumption.Problem));
        Assert.Empty(log.Snapshot().Entries);
    }

    [Fact]
    public void A_file_is_measured_under_the_name_given()
    {
        string image = Path.Combine(_directory.FullName, "web1.qcow2");
        File.WriteAllBytes(image, RandomNumberGenerator.GetBytes(100_000));
        using var log = MeasurementLogFiles.Open(Binary, Ascii);

        ImaNgEntry entry = new Measurer(_tpm, log, Pcr).MeasureFileAs(image, "tvd:blue/web1/image");

        Assert.Equal("tvd:blue/web1/image", entry.Path);
        Assert.Equal(SHA256.HashData(File.ReadAllBytes(image)), entry.FileDigest);
        Assert.Equal(entry.Path, Assert.Single(log.Snapshot().Entries).Path);
    }

    private void MeasureTwice()
    {
        using var log = MeasurementLogFiles.Open(Binary, Ascii);
        var measurer = new Measurer(_tpm, log, Pcr);
        measurer.MeasureBlob("one", "1"u8);
        measurer.MeasureBlob("two", "2"u8);
    }

    /// <summary>The SHA-256 bank of one PCR, extended the way a TPM does.</summary>
    private sealed class SoftwarePcr : IPcrExtender
    {
        private byte[] _value = new byte[32];

        public void Extend(int pcr, ReadOnlySpan<byte> sha1, ReadOnlySpan<byte> sha256) => _value = SHA256.HashData([.. _value, .. sha256]);

        public void Reset() => _value = new byte[32];

        public PcrValues Read(PcrSelection selection) => new(selection, [_value]);
    }
}
