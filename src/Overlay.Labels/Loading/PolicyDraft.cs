using Overlay.Common.Toml;

namespace Overlay.Labels.Loading;

// What the schema readers made of each table, every value with its location. A value that was missing or had
// the wrong TOML type is null (already reported); the validator skips checks that need it, so one mistake
// gives one error, not a cascade.

internal sealed record PolicySectionDraft(
    TomlLocation Header,
    Located<string>? Name,
    Located<long>? Version,
    Located<long>? Replaces);

internal sealed record TvdDraft(
    TomlLocation Header,
    Located<string>? Name,
    string Description,
    Located<string>? Type,
    Located<long>? Vlan,
    Located<string>? Label,
    Located<string>? Attestation)
{
    /// <summary>The STE type: <c>type</c> when written, else the name (located at the name).</summary>
    public Located<string>? SteType => Type ?? Name;

    /// <summary>The IKE wire label: <c>label</c> when written, else <c>tvd:&lt;name&gt;</c> (located at the name).</summary>
    public Located<string>? WireLabel =>
        Label ?? (Name is { } name ? new Located<string>(TvdDefaults.WireLabelFor(name.Value), name.Location) : null);
}

internal static class TvdDefaults
{
    public const string WireLabelPrefix = "tvd:";

    public static string WireLabelFor(string tvdName) => WireLabelPrefix + tvdName;
}

internal sealed record ConflictSetDraft(TomlLocation Header, Located<string>? Name, IReadOnlyList<Located<string>> Types);

internal sealed record GuestDraft(
    TomlLocation Header,
    Located<string>? Name,
    IReadOnlyList<Located<string>> SteTypes,
    IReadOnlyList<Located<string>> CwTypes,
    IReadOnlyList<Located<string>> Networks);

internal sealed record NetworkDraft(TomlLocation Header, Located<string>? Name, Located<string>? Tvd);

internal sealed record VolumeDraft(TomlLocation Header, Located<string>? Name, IReadOnlyList<Located<string>> SteTypes);

/// <param name="AllTypes">True for <c>types = ["*"]</c>; <see cref="Types"/> is then empty.</param>
internal sealed record HostDraft(TomlLocation Header, Located<string>? Name, IReadOnlyList<Located<string>> Types, bool AllTypes);

/// <param name="Pcrs">The bank and PCRs, when <c>pcrs</c> parsed.</param>
/// <param name="MaxAge">The written <c>max_age</c> when it was in range; null for the default.</param>
internal sealed record AttestationDraft(
    TomlLocation Header,
    Located<string>? Name,
    Located<(string Bank, int[] Pcrs)>? Pcrs,
    Located<string>? ReferenceValues,
    IReadOnlyList<ReferenceLineDraft> Reference,
    Located<long>? MaxAge,
    bool SoftwareTpm,
    IReadOnlyList<AkPinDraft> AkPins,
    IReadOnlyList<Located<string>> AkCas);

/// <param name="Tvd">The TVD of a <c>tvd &lt;TVD&gt; &lt;digest&gt;</c> line; null for a path line.</param>
internal sealed record ReferenceLineDraft(Located<string> Line, string? Tvd);

/// <param name="Fingerprint">Lowercase hex.</param>
internal sealed record AkPinDraft(Located<string> Host, Located<string> Fingerprint);

internal sealed class PolicyDraft
{
    public PolicySectionDraft? Policy { get; set; }

    public List<TvdDraft> Tvds { get; } = [];

    public List<ConflictSetDraft> ConflictSets { get; } = [];

    public List<GuestDraft> Guests { get; } = [];

    public List<NetworkDraft> Networks { get; } = [];

    public List<VolumeDraft> Volumes { get; } = [];

    public List<HostDraft> Hosts { get; } = [];

    public List<AttestationDraft> Attestations { get; } = [];
}
