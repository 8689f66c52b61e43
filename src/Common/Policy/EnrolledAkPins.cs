using Overlay.Attest.Handshake;

namespace Overlay.Common.Policy;

/// <summary>
/// Cluster mode's AK trust (docs/cluster.md, "Enrollment and attestation"): an administrator's enrollment of a host's
/// AK (<c>tvdctl host enroll H --ak ak.pub</c>) pins that AK for host H in every attestation requirement that has no
/// pin of its own for H. A pin the policy writes always wins (the policy is the more specific statement); an AK
/// certificate CA of the requirement still works as before; an enrollment without an AK (<c>--no-ak</c>) pins nothing.
/// Pure: the requirements are not changed, a copy with the added pins is returned (the same instance when none is added).
/// </summary>
internal static class EnrolledAkPins
{
    /// <param name="enrolled">Host name → lowercase hex SHA-256 of its AK's SubjectPublicKeyInfo ("" = enrolled without AK).</param>
    public static IReadOnlyDictionary<string, AttestationRequirement> Apply(
        IReadOnlyDictionary<string, AttestationRequirement> requirements, IReadOnlyDictionary<string, string> enrolled)
    {
        if (enrolled.Count == 0 || requirements.Count == 0)
        {
            return requirements;
        }

        var result = new Dictionary<string, AttestationRequirement>(StringComparer.Ordinal);
        bool changed = false;
        foreach ((string name, AttestationRequirement requirement) in requirements)
        {
            Dictionary<string, string>? pins = null;
            foreach ((string host, string ak) in enrolled)
            {
                if (ak.Length > 0 && !requirement.AkPins.ContainsKey(host))
                {
                    pins ??= new Dictionary<string, string>(requirement.AkPins, StringComparer.Ordinal);
                    pins[host] = ak;
                }
            }

            result[name] = pins is null ? requirement : requirement with { AkPins = pins };
            changed |= pins is not null;
        }

        return changed ? result : requirements;
    }
}

/// <summary>
/// <see cref="EnrolledAkPins.Apply"/> remembered for the last (requirements, enrollments) pair, so the handshake path
/// asks for the effective requirements without building them each time. Thread-safe: one immutable pair swapped whole.
/// </summary>
internal sealed class EnrolledAkView
{
    private volatile IReadOnlyDictionary<string, string> _enrolled = new Dictionary<string, string>();
    private volatile Entry? _last;

    /// <summary>The enrolled AKs now (the whole set: a host not in it is not enrolled).</summary>
    public IReadOnlyDictionary<string, string> Enrolled
    {
        get => _enrolled;
        set => _enrolled = value;
    }

    public IReadOnlyDictionary<string, AttestationRequirement> Effective(IReadOnlyDictionary<string, AttestationRequirement> requirements)
    {
        IReadOnlyDictionary<string, string> enrolled = _enrolled;
        if (_last is { } last && ReferenceEquals(last.Requirements, requirements) && ReferenceEquals(last.Enrolled, enrolled))
        {
            return last.Effective;
        }

        var entry = new Entry(requirements, enrolled, EnrolledAkPins.Apply(requirements, enrolled));
        _last = entry;
        return entry.Effective;
    }

    private sealed record Entry(
        IReadOnlyDictionary<string, AttestationRequirement> Requirements,
        IReadOnlyDictionary<string, string> Enrolled,
        IReadOnlyDictionary<string, AttestationRequirement> Effective);
}
