using Overlay.Ike.Crypto;
using Overlay.Ike.Crypto.Certificates;
using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Encoding.Payloads;
using Overlay.Ike.Sa;

namespace Overlay.Ike.Tasks;

/// <summary>
/// How AUTH is made and checked: PSK (RFC 7296 §2.15) or a certificate signature (RFC 7427, or the
/// classic §3.8 methods when the peer did not announce SIGNATURE_HASH_ALGORITHMS). The method the
/// peer may use follows our configuration: a PSK only if we have one, a signature only with
/// trusted CAs configured.
/// </summary>
public sealed partial class IkeAuthTask
{
    private void AddCertificates(IkeMessage message)
    {
        if (_sa.Config.LocalCertificate is { } credential)
        {
            foreach (var der in credential.CertificateChain)
            {
                message.Add(new CertificatePayload(CertificateEncoding.X509Signature, der));
            }
        }
    }

    /// <summary>What AUTH covers (RFC 7296 §2.15): the sender's IKE_SA_INIT message, the other nonce, prf(SK_p, ID).</summary>
    private byte[] SignedOctets(byte[] realMessage, byte[] peerNonce, byte[] skP, IdentificationPayload id) =>
        PskAuthentication.SignedOctets(_sa.Suite!.Prf, realMessage, peerNonce, skP, id);

    private AuthenticationPayload BuildAuth(byte[] octets)
    {
        return _sa.Config.LocalCertificate is { } credential
            ? SignatureAuthentication.Sign(credential, octets, _sa.PeerSignatureHashes)
            : new AuthenticationPayload(AuthMethod.SharedKeyMessageIntegrityCode, PskAuthentication.Compute(_sa.Suite!.Prf, _sa.Config.PreSharedKey, octets));
    }

    /// <summary>Null when the peer proved <paramref name="id"/>; otherwise why not.</summary>
    private string? Verify(IkeMessage message, IdentificationPayload id, AuthenticationPayload auth, byte[] octets)
    {
        if (_sa.Config.RemoteId is { } expected && !expected.Matches(id))
        {
            return $"identity {IkeIdentity.FromPayload(id)} is not the configured {expected}";
        }

        if (auth.Method == AuthMethod.SharedKeyMessageIntegrityCode)
        {
            if (_sa.Config.PreSharedKey.Length == 0)
            {
                return "peer used a PSK, but we accept only certificates";
            }

            return PskAuthentication.Verify(_sa.Suite!.Prf, _sa.Config.PreSharedKey, octets, auth.Data) ? null : "PSK AUTH does not verify";
        }

        if (_sa.Config.TrustedCas is not { Count: > 0 } cas)
        {
            return $"peer used AUTH method {auth.Method}, but no trusted CA is configured";
        }

        var cert = PeerCertificateValidator.Validate(message.FindAll<CertificatePayload>(), cas, id, _sa.Services.Time.GetUtcNow(), out var reason);
        if (cert is null)
        {
            return reason;
        }

        if (!SignatureAuthentication.Verify(cert, auth, octets, out reason))
        {
            return reason;
        }

        _sa.PeerCertificate = cert;
        return null;
    }
}
