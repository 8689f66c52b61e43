using Overlay.Attest.Quote;
using Overlay.Attest.Verify;

namespace Overlay.Cli.Cluster;

/// <summary>
/// <c>host enroll</c>'s <c>--ak</c>: a public key file (PEM "PUBLIC KEY" as <c>tvdctl status --json</c>'s
/// <c>ak.pem</c> and <c>tpm2_readpublic -f pem</c> give it, DER SubjectPublicKeyInfo, or TPM2B_PUBLIC as
/// <c>tpm2_createak -u</c> and <c>tvdctl attest quote</c>'s ak.pub are) or <c>sha256:HEX</c>. Either way the result is
/// the AK fingerprint the daemon pins: lower-case hex SHA-256 of the DER SubjectPublicKeyInfo
/// (<see cref="AkPublicKey.Fingerprint"/>, status's <c>ak.fingerprint</c>).
/// </summary>
internal static class AkArgument
{
    /// <summary>A public key file is well under this; the cap stops a wrong path (a device, a log).</summary>
    public const int MaxKeyFileBytes = 64 * 1024;

    private const string Sha256Prefix = "sha256:";

    /// <summary>The fingerprint (64 lower-case hex digits), or null with <paramref name="error"/>.</summary>
    public static string? TryFingerprint(string value, out string error)
    {
        if (value.StartsWith(Sha256Prefix, StringComparison.OrdinalIgnoreCase))
        {
            var hex = value[Sha256Prefix.Length..];
            if (hex.Length != 64 || !hex.All(char.IsAsciiHexDigit))
            {
                error = $"--ak: '{value}' is not sha256: followed by 64 hex digits";
                return null;
            }

            error = string.Empty;
            return hex.ToLowerInvariant();
        }

        if (!File.Exists(value))
        {
            error = $"--ak: {value}: no such file (give a public key file, or sha256:HEX)";
            return null;
        }

        if (!BoundedFile.TryReadAllBytes(value, MaxKeyFileBytes, out var bytes, out var readError))
        {
            error = $"--ak: {readError}";
            return null;
        }

        if (!AkPublicKey.TryLoad(bytes, out var key, out var loadError))
        {
            error = $"--ak: {value}: {loadError}";
            return null;
        }

        using (key)
        {
            error = string.Empty;
            return Convert.ToHexStringLower(key.Fingerprint);
        }
    }
}
