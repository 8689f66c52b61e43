namespace Overlay.Labels.Model;

/// <summary>
/// A policy as written in the TOML file, after it parsed and validated: names, not indices.
/// <see cref="Compiled.CompiledPolicy"/> is the form decisions run on.
/// </summary>
/// <param name="Name">Policy name; a reload must keep it.</param>
/// <param name="Version">Policy version; a reload must raise it.</param>
/// <param name="Replaces">The version this one replaces (required when it is loaded over a running policy).</param>
public sealed record PolicyDefinition(
    string Name,
    long Version,
    long? Replaces,
    IReadOnlyList<TvdDefinition> Tvds,
    IReadOnlyList<ConflictSetDefinition> ConflictSets,
    IReadOnlyList<GuestDefinition> Guests,
    IReadOnlyList<NetworkDefinition> Networks,
    IReadOnlyList<VolumeDefinition> Volumes,
    IReadOnlyList<HostDefinition> Hosts,
    string SourceFile)
{
    /// <summary>The <c>[[attestation]]</c> requirements, in file order (none unless set).</summary>
    public IReadOnlyList<AttestationDefinition> Attestations { get; init; } = [];
}

/// <summary>A Trusted Virtual Domain ("color"): one STE type, one VLAN id, one IKE wire label.</summary>
/// <param name="SteType">The Simple Type Enforcement type of this TVD (defaults to its name).</param>
/// <param name="VlanId">802.1Q VID carried inside ESP between hosts, 1–4094.</param>
/// <param name="WireLabel">The RFC 9478 TS_SECLABEL string negotiated in IKE for this TVD.</param>
/// <param name="Attestation">Name of the attestation requirement peers must meet to join this TVD, if any.</param>
public sealed record TvdDefinition(
    string Name,
    string Description,
    string SteType,
    int VlanId,
    string WireLabel,
    string? Attestation,
    SourceLocation Location);

/// <summary>A Chinese Wall conflict set: guests holding different types of one set never run on one host.</summary>
public sealed record ConflictSetDefinition(string Name, IReadOnlyList<string> Types, SourceLocation Location);

/// <summary>A guest: its STE types (several for a multi-colored guest), its Chinese Wall types, its networks.</summary>
public sealed record GuestDefinition(
    string Name,
    IReadOnlyList<string> SteTypes,
    IReadOnlyList<string> CwTypes,
    IReadOnlyList<string> Networks,
    SourceLocation Location);

/// <summary>A TVD network: a resource whose only STE type is its TVD's.</summary>
public sealed record NetworkDefinition(string Name, string Tvd, SourceLocation Location);

/// <summary>A storage volume: a resource with one or more STE types.</summary>
public sealed record VolumeDefinition(string Name, IReadOnlyList<string> SteTypes, SourceLocation Location);

/// <summary>A host and the types it may run (Xen ACM's dom0 label). <see cref="AllTypes"/> is written <c>types = ["*"]</c>.</summary>
public sealed record HostDefinition(string Name, IReadOnlyList<string> Types, bool AllTypes, SourceLocation Location);
