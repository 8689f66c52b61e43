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
            SourceFile: sourceName);
    }

    private static TvdDefinition BuildTvd(TvdDraft tvd) => new(
        Name: Text(tvd.Name),
        Description: tvd.Description,
        SteType: Text(tvd.SteType),
        VlanId: (int)(tvd.Vlan?.Value ?? 0), // checked to be within 1-4094
        WireLabel: Text(tvd.WireLabel),
        Attestation: tvd.Attestation?.Value,
        Location: tvd.Header.ToSourceLocation());

    private static string Text(Located<string>? value) => value?.Value ?? "";

    private static string[] Texts(IReadOnlyList<Located<string>> values) => values.Select(v => v.Value).ToArray();
}
