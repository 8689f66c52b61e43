namespace Overlay.Attest.Interop;

/// <summary>
/// A failed TSS or TPM call. <see cref="Layer"/> is the TSS2_RC layer byte (0 = TPM, 7 = ESAPI, 10 = TCTI, …)
/// and <see cref="Code"/> the rest, as tpm2-tss defines them; the message comes from Tss2_RC_Decode.
/// </summary>
public sealed class TpmException : Exception
{
    public TpmException(string operation, uint rc)
        : base($"{operation} failed: 0x{rc:x8} {Interop.Tss2Rc.Decode(rc)}")
    {
        Operation = operation;
        ReturnCode = rc;
    }

    public TpmException(string operation, string message)
        : base($"{operation} failed: {message}")
    {
        Operation = operation;
    }

    public string Operation { get; }

    public uint ReturnCode { get; }

    public byte Layer => (byte)(ReturnCode >> 16);

    public uint Code => ReturnCode & 0xFFFF;

    internal static void ThrowIfFailed(uint rc, string operation)
    {
        if (rc != 0)
        {
            throw new TpmException(operation, rc);
        }
    }
}
