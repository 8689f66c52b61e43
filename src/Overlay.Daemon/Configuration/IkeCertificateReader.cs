using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Overlay.Ike.Crypto.Certificates;

namespace Overlay.Daemon.Configuration;

/// <summary>
/// Loads <c>[ike]</c>'s certificate keys from PEM files: <c>certificate</c> (our certificate,
/// optionally followed by intermediates, sent in CERT payloads), <c>private_key</c> (PKCS#8, or the
/// traditional RSA / EC form, unencrypted) and <c>ca</c> (the CAs a peer's chain must end at).
/// Relative paths resolve against the config file's directory. A file that cannot be read or holds no
/// certificate, and a key that does not belong to the certificate, are errors at the key's position:
/// found when the daemon starts, not at the first IKE_AUTH.
/// </summary>
internal static class IkeCertificateReader
{
    public static readonly string[] Keys = ["certificate", "private_key", "ca"];

    /// <summary>Our credential (null without <c>certificate</c>) and the trusted CAs (empty without <c>ca</c>).</summary>
    public static (CertificateCredential? Credential, IReadOnlyList<X509Certificate2> Cas) Read(ConfigTableReader r, string file)
    {
        string baseDirectory = Path.GetDirectoryName(file) ?? "/";
        string? certificatePath = r.String("certificate", required: false);
        string? keyPath = r.String("private_key", required: false);
        IReadOnlyList<string>? caPaths = r.Strings("ca", required: false);

        List<X509Certificate2> cas = [];
        foreach (string path in caPaths ?? [])
        {
            cas.AddRange(Certificates(r, "ca", Path.GetFullPath(path, baseDirectory)) ?? []);
        }

        if (certificatePath is null && keyPath is null)
        {
            return (null, cas);
        }

        if (certificatePath is null || keyPath is null)
        {
            r.Error(r.LocationOf(certificatePath is null ? "private_key" : "certificate"),
                "'certificate' and 'private_key' go together: set both (PEM files) or neither");
            return (null, cas);
        }

        List<X509Certificate2>? chain = Certificates(r, "certificate", Path.GetFullPath(certificatePath, baseDirectory));
        X509Certificate2? withKey = chain is null ? null : WithPrivateKey(r, chain[0], Path.GetFullPath(keyPath, baseDirectory));
        return withKey is null ? (null, cas) : (new CertificateCredential(withKey, chain![1..]), cas);
    }

    /// <summary>Every certificate in a PEM file, in file order; null (with an error) when there is none or the file is unreadable.</summary>
    private static List<X509Certificate2>? Certificates(ConfigTableReader r, string key, string path)
    {
        var collection = new X509Certificate2Collection();
        try
        {
            collection.ImportFromPemFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            r.Error(r.LocationOf(key), $"'{key}': cannot read certificate file '{path}': {e.Message}");
            return null;
        }

        if (collection.Count == 0)
        {
            r.Error(r.LocationOf(key), $"'{key}': '{path}' holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
            return null;
        }

        return [.. collection];
    }

    private static X509Certificate2? WithPrivateKey(ConfigTableReader r, X509Certificate2 certificate, string path)
    {
        string pem;
        try
        {
            pem = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            r.Error(r.LocationOf("private_key"), $"'private_key': cannot read '{path}': {e.Message}");
            return null;
        }

        try
        {
            switch (certificate.GetKeyAlgorithm())
            {
                case "1.2.840.113549.1.1.1": // rsaEncryption
                    {
                        // Not disposed: the returned certificate keeps using this key.
                        RSA rsa = RSA.Create();
                        rsa.ImportFromPem(pem);
                        return certificate.CopyWithPrivateKey(rsa);
                    }

                case "1.2.840.10045.2.1": // id-ecPublicKey
                    {
                        ECDsa ecdsa = ECDsa.Create();
                        ecdsa.ImportFromPem(pem);
                        return certificate.CopyWithPrivateKey(ecdsa);
                    }

                default:
                    r.Error(r.LocationOf("certificate"), $"'certificate': key algorithm {certificate.GetKeyAlgorithm()} of \"{certificate.Subject}\" is neither RSA nor ECDSA");
                    return null;
            }
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            // ImportFromPem: no (unencrypted) key of the certificate's type in the file;
            // CopyWithPrivateKey: the key's public half is not the certificate's.
            r.Error(r.LocationOf("private_key"), $"'private_key': '{path}' is not the unencrypted private key of \"{certificate.Subject}\": {e.Message}");
            return null;
        }
    }
}
