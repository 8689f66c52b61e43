using Overlay.Attest.Interop;
using Overlay.Attest.Tpm;

namespace Overlay.Cli.Attest;

/// <summary>Opens the TPM and the attestation key for one CLI verb, reporting TPM failures as exit 2.</summary>
internal static class TpmSession
{
    public static int Run(string tcti, AkAlgorithm algorithm, Func<TpmDevice, AttestationKey, int> action)
    {
        try
        {
            using var device = TpmDevice.Open(tcti);
            using var key = AttestationKey.Create(device, algorithm);
            return action(device, key);
        }
        catch (TpmException e)
        {
            Console.Error.WriteLine($"tvdctl: TPM: {e.Message}");
            return ExitCodes.BadInput;
        }
        catch (DllNotFoundException e)
        {
            Console.Error.WriteLine($"tvdctl: tpm2-tss is not installed (libtss2-esys, libtss2-tctildr): {e.Message}");
            return ExitCodes.BadInput;
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"tvdctl: {e.Message}");
            return ExitCodes.BadInput;
        }
    }
}
