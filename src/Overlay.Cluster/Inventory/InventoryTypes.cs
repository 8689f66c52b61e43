using Overlay.Cluster.Records;

namespace Overlay.Cluster.Inventory;

/// <summary>Why a registration is not a peer (the wire names are what logs, status and <c>tvdctl hosts</c> show).</summary>
public enum IgnoreReason
{
    /// <summary>No enrollment for the host (or an enrollment record that does not parse).</summary>
    NotEnrolled,

    /// <summary>The registration's AK fingerprint is not the enrolled one (or is empty where attestation is required).</summary>
    AkMismatch,

    /// <summary>The running policy names no such host.</summary>
    NotInPolicy,

    /// <summary>The registration does not parse, or names another host than its key.</summary>
    InvalidRecord,

    /// <summary>Our own registration.</summary>
    Self,
}

public static class IgnoreReasons
{
    public static string ToWire(this IgnoreReason reason) => reason switch
    {
        IgnoreReason.NotEnrolled => "not_enrolled",
        IgnoreReason.AkMismatch => "ak_mismatch",
        IgnoreReason.NotInPolicy => "not_in_policy",
        IgnoreReason.InvalidRecord => "invalid_record",
        IgnoreReason.Self => "self",
        _ => throw new ArgumentOutOfRangeException(nameof(reason)),
    };
}

/// <summary>What the inventory is judged from: the raw values under <c>hosts/</c> and <c>enroll/</c> (keyed by the host
/// name taken from the key), the running policy's host names, and whether the policy requires attestation of any
/// TVD (then an empty AK never matches).</summary>
public sealed record InventoryInput(
    IReadOnlyDictionary<string, ReadOnlyMemory<byte>> Registrations,
    IReadOnlyDictionary<string, ReadOnlyMemory<byte>> Enrollments,
    IReadOnlySet<string> PolicyHosts,
    bool RequireAk);

/// <summary>A host we peer with. <see cref="GoneSince"/> is set while its registration is gone but its grace period
/// runs (it stays a peer until <see cref="DropAt"/>).</summary>
public sealed record AdmittedPeer(string Host, HostRegistration Registration, Enrollment Enrollment, DateTimeOffset? GoneSince = null,
    DateTimeOffset? DropAt = null);

/// <summary>A registration that is not a peer, and why.</summary>
public sealed record IgnoredHost(string Host, IgnoreReason Reason, string Detail);

/// <summary>The inventory at one moment: peers sorted by host, ignored registrations sorted by host, and the ignored
/// entries that are new since the previous view (log each (host, reason) once).</summary>
public sealed record InventoryView(
    IReadOnlyList<AdmittedPeer> Admitted,
    IReadOnlyList<IgnoredHost> Ignored,
    IReadOnlyList<IgnoredHost> NewlyIgnored)
{
    public static InventoryView Empty { get; } = new([], [], []);
}
