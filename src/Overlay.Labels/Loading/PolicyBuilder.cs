using Overlay.Common.Toml;
using Overlay.Labels.Model;

namespace Overlay.Labels.Loading;

/// <summary>
/// Turns a draft that passed every check into the <see cref="PolicyDefinition"/> contract. Only called when no
/// error was reported, so every required value is present; the fallbacks below are never taken.
/// </summary>
internal static class PolicyBuilder
{
    public static PolicyDefinition Build(PolicyDraft draft, string sourceName)
    {
        var policy = draft.Policy;
        return new PolicyDefinition(
            Name: Text(policy?.Name),
            Version: policy?.Version?.Value ?? 0,
            Replaces: policy?.Replaces?.Value,
            Tvds: draft.Tvds.Select(BuildTvd).ToArray(),
            ConflictSets: draft.ConflictSets
                .Select(c => new ConflictSetDefinition(Text(c.Name), Texts(c.Types), c.Header.ToSourceLocation()))
                .ToArray(),
            Guests: draft.Guests
                .Select(g => new GuestDefinition(Text(g.Name), Texts(g.SteTypes), Texts(g.CwTypes), Texts(g.Networks), g.Header.ToSourceLocation()))
                .ToArray(),
            Networks: draft.Networks
                .Select(n => new NetworkDefinition(Text(n.Name), Text(n.Tvd), n.Header.ToSourceLocation()))
                .ToArray(),
            Volumes: draft.Volumes
                .Select(v => new VolumeDefinition(Text(v.Name), Texts(v.SteTypes), v.Header.ToSourceLocation()))
                .ToArray(),
            Hosts: draft.Hosts
                .Select(h => new HostDefinition(Text(h.Name), Texts(h.Types), h.AllTypes, h.Header.ToSourceLocation()))
                .ToArray(),
            SourceFile: sourceName)
        {
            Attestations = draft.Attestations.Select(a => BuildAttestation(a, sourceName)).ToArray(),
        };
    }

    private static TvdDefinition BuildTvd(TvdDraft tvd) => new(
        Name: Text(tvd.Name),
        Description: tvd.Description,
        SteType: Text(tvd.SteType),
        VlanId: (int)(tvd.Vlan?.Value ?? 0), // checked to be within 1-4094
        WireLabel: Text(tvd.WireLabel),
        Attestation: tvd.Attestation?.Value,
        Location: tvd.Header.ToSourceLocation());

    private static AttestationDefinition BuildAttestation(AttestationDraft a, string sourceName) => new(
        Name: Text(a.Name),
        PcrBank: a.Pcrs?.Value.Bank ?? "",
        Pcrs: a.Pcrs?.Value.Pcrs ?? [],
        ReferenceValues: a.ReferenceValues is { } file ? FileReference(file, sourceName) : null,
        ReferenceLines: a.Reference.Select(l => new ReferenceLine(l.Line.Value, l.Line.Location.ToSourceLocation())).ToArray(),
        MaxAge: TimeSpan.FromSeconds(a.MaxAge?.Value ?? SchemaReader.DefaultMaxAgeSeconds),
        SoftwareTpmAllowed: a.SoftwareTpm,
        AkPins: a.AkPins.Select(p => new AkPin(p.Host.Value, p.Fingerprint.Value, p.Host.Location.ToSourceLocation())).ToArray(),
        AkCas: a.AkCas.Select(ca => FileReference(ca, sourceName)).ToArray(),
        Location: a.Header.ToSourceLocation());

    /// <summary>
    /// A path as written, resolved against the policy file's directory, as a relative path in a config file is
    /// meant: the policy and the files it names travel together. Pure string work; nothing is opened here.
    /// </summary>
    private static PolicyFileReference FileReference(Located<string> written, string sourceName)
    {
        var path = Path.IsPathRooted(written.Value)
            ? written.Value
            : Path.Combine(Path.GetDirectoryName(sourceName) ?? "", written.Value);
        return new PolicyFileReference(written.Value, path, written.Location.ToSourceLocation());
    }

    private static string Text(Located<string>? value) => value?.Value ?? "";

    private static string[] Texts(IReadOnlyList<Located<string>> values) => values.Select(v => v.Value).ToArray();
}
