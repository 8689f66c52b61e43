using System.Net;
using System.Net.Sockets;
using Overlay.Cluster.Records;

namespace Overlay.Daemon.ClusterHost;

/// <summary>
/// Who among the registered hosts is a peer (docs/cluster.md, "Who is a peer"). PURE: the store's registrations and
/// enrollments as read, the running policy's host names, this host, the clock. A registration is a peer when it parses
/// (and names the host of its key), its host is not us, is a host of the policy, is enrolled, and its AK is the enrolled
/// one — where the policy requires attestation anywhere, an empty AK on either side never matches. A peer whose
/// registration went (its lease expired) stays a peer, in grace, for <c>peer_grace_s</c> after it was first seen
/// gone; a registration that turns bad, or an enrollment that goes, ends it at once. Never trusted on first use.
/// </summary>
public static class InventoryJudge
{
    public sealed record Input(
        IReadOnlyDictionary<string, byte[]> Registrations,
        IReadOnlyDictionary<string, byte[]> Enrollments,
        IReadOnlySet<string> PolicyHosts,
        string Self,
        bool AttestationRequired,
        AddressFamily UnderlayFamily,
        TimeSpan Grace);

    /// <summary>The view, and the AK each valid enrollment pins (host → hex, "" for <c>--no-ak</c>).</summary>
    public static (InventoryView View, IReadOnlyDictionary<string, string> EnrolledAks) Judge(Input input, InventoryView previous, DateTimeOffset now)
    {
        var enrolled = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string host, byte[] value) in input.Enrollments)
        {
            if (Enrollment.TryParse(value, out Enrollment enrollment, out _) && enrollment.Host == host)
            {
                enrolled[host] = enrollment.AkSha256;
            }
        }

        var admitted = new List<AdmittedHost>();
        var ignored = new List<IgnoredHost>();
        foreach ((string host, byte[] value) in input.Registrations.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            bool parsed = HostRegistration.TryParse(value, out HostRegistration registration, out string error);
            if (!parsed || registration.Host != host)
            {
                ignored.Add(new IgnoredHost(host, InventoryReasons.InvalidRecord,
                    parsed ? $"the record names host '{registration.Host}', its key '{host}'" : error));
                continue;
            }

            if (Problem(registration, input, enrolled) is { } problem)
            {
                ignored.Add(problem);
                continue;
            }

            admitted.Add(new AdmittedHost(registration, PeerAddress(registration, input.UnderlayFamily), null));
        }

        // Gone hosts: kept for the grace period after they were first seen gone, unless what admitted them went too.
        foreach (AdmittedHost gone in previous.Admitted.Where(p => !input.Registrations.ContainsKey(p.Registration.Host)))
        {
            DateTimeOffset until = gone.GraceUntil ?? now + input.Grace;
            if (until > now && Problem(gone.Registration, input, enrolled) is null)
            {
                admitted.Add(gone with { GraceUntil = until });
            }
        }

        admitted.Sort((a, b) => string.CompareOrdinal(a.Registration.Host, b.Registration.Host));
        return (new InventoryView(admitted, ignored), enrolled);
    }

    private static IgnoredHost? Problem(HostRegistration r, Input input, Dictionary<string, string> enrolled)
    {
        if (r.Host == input.Self)
        {
            return new IgnoredHost(r.Host, InventoryReasons.Self, "this host's own registration");
        }

        if (!input.PolicyHosts.Contains(r.Host))
        {
            return new IgnoredHost(r.Host, InventoryReasons.NotInPolicy, "no [[host]] of the running policy has this name");
        }

        if (!enrolled.TryGetValue(r.Host, out string? ak))
        {
            return new IgnoredHost(r.Host, InventoryReasons.NotEnrolled, "no enrollment (tvdctl host enroll) for this host");
        }

        if (input.AttestationRequired && (ak.Length == 0 || r.AkSha256.Length == 0))
        {
            return new IgnoredHost(r.Host, InventoryReasons.AkMismatch,
                $"the policy requires attestation and the {(ak.Length == 0 ? "enrollment" : "registration")} has no AK");
        }

        if (!string.Equals(ak, r.AkSha256, StringComparison.Ordinal))
        {
            return new IgnoredHost(r.Host, InventoryReasons.AkMismatch,
                $"registered AK sha256:{Short(r.AkSha256)} is not the enrolled sha256:{Short(ak)}");
        }

        return null;
    }

    /// <summary>Its first underlay address of our family (IKE and ESP go over one family), else its first.</summary>
    private static IPAddress PeerAddress(HostRegistration r, AddressFamily family)
    {
        IReadOnlyList<IPAddress> addresses = r.UnderlayAddresses();
        return addresses.FirstOrDefault(a => a.AddressFamily == family) ?? addresses[0];
    }

    private static string Short(string hex) => hex.Length == 0 ? "(none)" : hex[..Math.Min(16, hex.Length)] + "…";
}
