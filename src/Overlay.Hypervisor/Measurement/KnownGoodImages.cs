namespace Overlay.Hypervisor.Measurement;

/// <summary>
/// The known-good guest images per TVD, from the daemon's config (TVD name → SHA-256 digests in hex). A TVD that
/// appears here is enforced: a guest in it starts only when its image digest is listed (an empty list refuses
/// every image, and a guest without an image is refused too, since there is nothing known-good to show). A TVD
/// that does not appear is not checked; its guests are still measured.
/// </summary>
public sealed class KnownGoodImages
{
    private readonly Dictionary<string, HashSet<string>> _digests;

    public KnownGoodImages(IReadOnlyDictionary<string, IReadOnlyList<string>> digestsByTvd)
    {
        ArgumentNullException.ThrowIfNull(digestsByTvd);
        _digests = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var (tvd, digests) in digestsByTvd)
        {
            var set = new HashSet<string>(StringComparer.Ordinal);
            foreach (var hex in digests)
            {
                set.Add(Normalize(tvd, hex));
            }

            _digests.Add(tvd, set);
        }
    }

    public static KnownGoodImages None { get; } = new(new Dictionary<string, IReadOnlyList<string>>());

    public bool Enforces(string tvd) => _digests.ContainsKey(tvd);

    /// <summary>Null when the image may start in <paramref name="tvd"/>, else why not.</summary>
    public string? Refusal(string tvd, string guest, byte[]? imageDigest)
    {
        if (!_digests.TryGetValue(tvd, out var allowed))
        {
            return null;
        }

        if (imageDigest is null)
        {
            return $"TVD {tvd} requires a known-good image and guest {guest} has none";
        }

        var hex = Convert.ToHexStringLower(imageDigest);
        return allowed.Contains(hex) ? null : $"image of guest {guest} (sha256:{hex}) is not known-good for TVD {tvd}";
    }

    private static string Normalize(string tvd, string hex)
    {
        var text = hex.Trim();
        if (text.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase))
        {
            text = text["sha256:".Length..];
        }

        if (text.Length != 64 || !text.All(char.IsAsciiHexDigit))
        {
            throw new ArgumentException($"known-good digest '{hex}' for TVD {tvd} is not 64 hex digits of SHA-256");
        }

        return text.ToLowerInvariant();
    }
}
