using System.Globalization;
using System.Runtime.Versioning;
using Overlay.Attest.Structures;
using Overlay.Attest.Tests.Fixtures;
using Overlay.Fuzz;
using Overlay.Fuzz.Targets;

namespace Overlay.Attest.Tests.Structures;

/// <summary>
/// Our readers of tpm2-tools files against tpm2-tools' own (<c>tpm2_print</c>, tss2-mu underneath), on the fuzz
/// target's seeds (a real swtpm quote and AK), every truncation and single-octet corruption of them, and every saved
/// fuzz case: whatever we accept, tpm2_print accepts and reads the same fields from (we may refuse more: we also check
/// structure tpm2_print does not, such as trailing octets; the magic we leave to the verifier, as its finding).
/// </summary>
[SupportedOSPlatform("linux")] // the fuzz targets run the daemon's Linux-only code
public sealed class Tpm2FilesDifferentialTests
{
    private static readonly string RepositoryRoot = FindRoot();

    public static IEnumerable<object[]> Kinds() => [["quote.msg"], ["ak.pub"]];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void What_we_accept_tpm2_print_accepts_and_reads_alike(string seed)
    {
        var original = new Tpm2FilesTarget().Seeds(RepositoryRoot).Single(s => s.Name == seed).Data;
        var inputs = new List<byte[]> { original };
        for (var length = 0; length < original.Length; length += 3)
        {
            inputs.Add(original[..length]);
        }

        for (var i = 0; i < original.Length; i += 2)
        {
            var corrupt = (byte[])original.Clone();
            corrupt[i] ^= 0xff;
            inputs.Add(corrupt);
        }

        inputs.AddRange(FuzzCaseFiles.Files("tpm2-files").Select(f => File.ReadAllBytes(Path.Combine(FuzzCaseFiles.Folder("tpm2-files"), f))));
        var dir = Directory.CreateTempSubdirectory("tvd-tpm2print-");
        try
        {
            var accepted = 0;
            for (var n = 0; n < inputs.Count; n++)
            {
                var path = Path.Combine(dir.FullName, $"{n}.bin");
                File.WriteAllBytes(path, inputs[n]);
                try
                {
                    accepted += seed == "quote.msg" ? CompareAttest(inputs[n], path) : ComparePublic(inputs[n], path);
                }
                catch (Exception e) when (e is not TpmPrintDisagrees)
                {
                    throw new TpmPrintDisagrees($"input {n} ({Convert.ToHexString(inputs[n])}): {e.Message}\n{ToolRunner.Run("tpm2_print", null, "-t", seed == "quote.msg" ? "TPMS_ATTEST" : "TPM2B_PUBLIC", path).Output}");
                }
            }

            Assert.True(accepted > 0, "no input was accepted by both: the comparison compared nothing");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static int CompareAttest(byte[] input, string path)
    {
        if (!TpmsAttest.TryParse(input, out var ours, out _))
        {
            return 0;
        }

        var (exit, output) = ToolRunner.Run("tpm2_print", null, "-t", "TPMS_ATTEST", path);
        if (ours.Magic != TpmConstants.GeneratedValue || ours.Type != TpmConstants.StAttestQuote)
        {
            // We read the common header and leave magic and type to the verifier (QuoteVerifier.Checks: not a quote
            // the TPM produced); tpm2_print refuses them at once. Both refuse the quote.
            Assert.True(exit != 0, $"tpm2_print accepts magic {ours.Magic:x8} type {ours.Type:x4}: {output}");
            return 0;
        }

        Assert.True(exit == 0, $"we accept a TPMS_ATTEST tpm2_print refuses ({Convert.ToHexString(input)}): {output}");
        var theirs = Fields(output);
        Assert.Equal(theirs["magic"], ours.Magic.ToString("x8", CultureInfo.InvariantCulture));
        Assert.Equal(theirs["type"], ours.Type.ToString("x4", CultureInfo.InvariantCulture));
        Assert.Equal(theirs["extraData"], Convert.ToHexStringLower(ours.ExtraData));
        Assert.Equal(theirs["clock"], ours.Clock.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(theirs["resetCount"], ours.ResetCount.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(theirs["restartCount"], ours.RestartCount.ToString(CultureInfo.InvariantCulture));
        // tpm2_print (tpm2-tools 5.4) prints firmwareVersion as the hex of its little-endian octets, not as a number.
        Assert.Equal(theirs["firmwareVersion"], Convert.ToHexStringLower(BitConverter.GetBytes(ours.FirmwareVersion)).TrimStart('0'));
        if (ours.PcrDigest is { } digest)
        {
            Assert.Equal(theirs["pcrDigest"], Convert.ToHexStringLower(digest));
        }

        return 1;
    }

    private static int ComparePublic(byte[] input, string path)
    {
        if (!TpmtPublic.TryParse2B(input, out var ours, out _))
        {
            return 0;
        }

        var (exit, output) = ToolRunner.Run("tpm2_print", null, "-t", "TPM2B_PUBLIC", path);
        Assert.True(exit == 0, $"we accept a TPM2B_PUBLIC tpm2_print refuses ({Convert.ToHexString(input)}): {output}");
        var raw = RawValues(output);
        Assert.Equal(raw["type"], ours.Type);
        Assert.Equal(raw["name-alg"], ours.NameAlg);
        Assert.Equal(raw["attributes"], (int)ours.Attributes);
        if (ours.X.Length > 0)
        {
            var theirs = Fields(output);
            Assert.Equal(theirs["x"], Convert.ToHexStringLower(ours.X));
            Assert.Equal(theirs["y"], Convert.ToHexStringLower(ours.Y));
        }

        return 1;
    }

    /// <summary>"key: value" lines of tpm2_print's YAML, by key (the last one wins; keys are unique where we look).</summary>
    private static Dictionary<string, string> Fields(string yaml) =>
        yaml.Split('\n').Select(l => l.Trim()).Where(l => l.Contains(": ", StringComparison.Ordinal))
            .Select(l => l.Split(": ", 2)).GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.Last()[1].Trim());

    /// <summary>"key:\n  value: ...\n  raw: 0x.." blocks: the raw number under each key.</summary>
    private static Dictionary<string, int> RawValues(string yaml)
    {
        var values = new Dictionary<string, int>();
        string? key = null;
        foreach (var line in yaml.Split('\n'))
        {
            if (line.Length > 0 && line[0] != ' ' && line.TrimEnd().EndsWith(':'))
            {
                key = line.TrimEnd()[..^1];
            }
            else if (key is not null && line.Trim().StartsWith("raw: 0x", StringComparison.Ordinal))
            {
                values[key] = int.Parse(line.Trim()["raw: 0x".Length..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            }
        }

        return values;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "TvdOverlay.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("not inside the repository");
    }

    private sealed class TpmPrintDisagrees(string message) : Exception(message);
}
