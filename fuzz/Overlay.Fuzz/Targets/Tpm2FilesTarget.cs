using Overlay.Attest.Handshake;
using Overlay.Attest.Structures;
using Overlay.Attest.Verify;

namespace Overlay.Fuzz.Targets;

/// <summary>
/// The files tpm2-tools writes and <c>tvdctl attest check</c> reads (Quote/Tpm2ToolsFiles): the quote message
/// (TPMS_ATTEST), the signature (TPMT_SIGNATURE), the PCR file (tpm2-tools' serialized layout) and the AK public key
/// (TPM2B_PUBLIC, PEM or DER), each reader on the whole input. Oracles: a signature and a PCR file that parse write
/// back to octets that parse to the same encoding; the readers stay within an allocation bound. The differential
/// check against tpm2_print runs in Overlay.Attest.Tests (Tpm2FilesDifferentialTests).
/// </summary>
public sealed class Tpm2FilesTarget : FuzzTarget
{
    public const int AllocationPerByte = 16;
    public const int AllocationFixed = 16 * 1024;

    public override string Name => "tpm2-files";

    public override string TestProject => "Overlay.Attest.Tests";

    public override string Description => "quote.msg, quote.sig, quote.pcrs, ak.pub (2B/PEM/DER): parse, round trip, allocation bound";

    protected override void Execute(ReadOnlySpan<byte> input)
    {
        var start = Oracles.AllocatedBytes();
        TpmsAttest.TryParse(input, out _, out _);
        var signature = TpmtSignature.TryParse(input, out var sig, out _);
        var pcrs = Tpm2ToolsPcrFile.TryParse(input, out var values, out _);
        TpmtPublic.TryParse2B(input, out _, out _);
        Oracles.CheckAllocation("tpm2-tools file readers", start, input.Length, AllocationPerByte, AllocationFixed);
        if (signature)
        {
            var wire = sig.ToWire();
            Oracles.Check(TpmtSignature.TryParse(wire, out var again, out var error), $"a parsed signature re-encodes to octets that do not parse: {error}");
            Oracles.SameBytes("TPMT_SIGNATURE", wire, again.ToWire());
        }

        if (pcrs)
        {
            var file = Tpm2ToolsPcrFile.Write(values);
            Oracles.Check(Tpm2ToolsPcrFile.TryParse(file, out var again, out var error), $"a parsed PCR file re-encodes to one that does not parse: {error}");
            Oracles.SameBytes("PCR file", file, Tpm2ToolsPcrFile.Write(again));
        }

        if (AkPublicKey.TryLoad(input, out var key, out _))
        {
            key.Dispose();
        }
    }

    public override IEnumerable<(string Name, byte[] Data)> Seeds(string repositoryRoot)
    {
        // The swtpm quote of the attested-ike lab's bundle, in the files tpm2_quote and tpm2_createak write.
        var file = Path.Combine(repositoryRoot, "tests", "Overlay.Attest.Tests", "Fixtures", "handshake", "bundle-lab-h2.hex");
        var bytes = Convert.FromHexString(string.Concat(File.ReadAllText(file).Where(char.IsAsciiHexDigit)));
        if (!EvidenceBundleCodec.TryDecode(bytes, out var bundle, out var error))
        {
            throw new InvalidDataException($"{file}: {error}");
        }

        var quote = bundle.Quote;
        yield return ("quote.msg", quote.Attest);
        yield return ("quote.sig", quote.Signature);
        yield return ("ak.pub", quote.AkPublic);
        if (ReadPcrValues(quote.PcrValues) is { } pcrs)
        {
            yield return ("quote.pcrs", Tpm2ToolsPcrFile.Write(pcrs));
        }

        if (AkPublicKey.TryLoad(quote.AkPublic, out var key, out _))
        {
            using (key)
            {
                yield return ("ak.pem", System.Text.Encoding.ASCII.GetBytes(key.ExportPem()));
            }
        }
    }

    private static PcrValues? ReadPcrValues(byte[] wire)
    {
        var reader = new TpmReader(wire);
        return PcrValues.TryRead(ref reader, out var values) ? values : null;
    }
}
