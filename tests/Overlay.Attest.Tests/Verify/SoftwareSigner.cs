using System.Security.Cryptography;
using Overlay.Attest.Structures;

namespace Overlay.Attest.Tests.Verify;

/// <summary>
/// A P-256 key outside any TPM that signs arbitrary bytes, standing in for an attacker who holds a non-restricted
/// key (or for unit tests of checks a real TPM would never let us violate, such as a wrong magic).
/// </summary>
internal sealed class SoftwareSigner : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public TpmtPublic Public(uint attributes = TpmConstants.ObjRestricted | TpmConstants.ObjSign | TpmConstants.ObjFixedTpm)
    {
        var p = _key.ExportParameters(false);
        return new TpmtPublic
        {
            Type = TpmConstants.AlgEcc,
            Attributes = attributes,
            Scheme = TpmConstants.AlgEcdsa,
            CurveId = TpmConstants.EccNistP256,
            X = p.Q.X!,
            Y = p.Q.Y!,
        };
    }

    public byte[] Sign(byte[] message)
    {
        var rs = _key.SignData(message, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return new TpmtSignature { SigAlg = TpmConstants.AlgEcdsa, HashAlg = TpmConstants.AlgSha256, EcdsaR = rs[..32], EcdsaS = rs[32..] }.ToWire();
    }

    public void Dispose() => _key.Dispose();
}
