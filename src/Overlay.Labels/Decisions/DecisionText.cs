using Overlay.Labels.Compiled;

namespace Overlay.Labels.Decisions;

/// <summary>Human explanations of decisions: built on demand, never on the decision path.</summary>
public static class DecisionText
{
    public static string RuleName(DecisionRule rule) => rule switch
    {
        DecisionRule.SimpleTypeEnforcement => "ste",
        DecisionRule.ChineseWall => "chinese-wall",
        DecisionRule.HostAuthorization => "host-authorization",
        DecisionRule.Carriage => "carriage",
        DecisionRule.Lifecycle => "lifecycle",
        DecisionRule.UnknownReference => "unknown-reference",
        _ => rule.ToString(),
    };

    internal static string Reason(in Decision d)
    {
        var p = d.Policy;
        var rule = RuleName(d.Rule);
        var guest = d.Guest?.Name ?? d.Subject ?? "?";
        return d.Rule switch
        {
            DecisionRule.SimpleTypeEnforcement when d.Allowed =>
                $"{rule}: guest {guest} and {Describe(d.Resource!)} share type {p.TypeName(d.TypeId)}",
            DecisionRule.SimpleTypeEnforcement =>
                $"{rule}: guest {guest} (types {List(p, d.Guest!.SteTypes)}) and {Describe(d.Resource!)} (types {List(p, d.Resource!.SteTypes)}) share no type",
            DecisionRule.HostAuthorization when d.Allowed =>
                $"{rule}: host {d.Host!.Name} may run every type of guest {guest} ({List(p, d.Guest!.AllTypes)})",
            DecisionRule.HostAuthorization =>
                $"{rule}: host {d.Host!.Name} may not run type {p.TypeName(d.TypeId)} of guest {guest} (host types: {HostTypes(d.Host)})",
            DecisionRule.ChineseWall when d.Allowed =>
                $"host-authorization and {rule}: host {d.Host!.Name} may run every type of guest {guest} ({List(p, d.Guest!.AllTypes)}), " +
                $"and no guest running there holds a type in conflict with them",
            DecisionRule.ChineseWall => CwDenial(d, rule, guest),
            DecisionRule.Carriage => Carriage(d, rule),
            DecisionRule.Lifecycle => $"{rule}: guest {guest} already runs on host {d.Subject}",
            DecisionRule.UnknownReference => $"{rule}: {d.Subject}",
            _ => rule,
        };
    }

    private static string CwDenial(in Decision d, string rule, string guest)
    {
        var p = d.Policy;
        var own = d.TypeId >= 0 ? p.TypeName(d.TypeId) : "?";
        var other = p.TypeName(d.OtherTypeId);
        var sets = d.TypeId >= 0 ? string.Join(", ", p.ConflictSetsHolding(d.TypeId, d.OtherTypeId).Select(s => s.Name)) : "?";
        var holder = d.Subject is null ? "a running guest" : $"running guest {d.Subject}";
        return $"{rule}: type {own} of guest {guest} conflicts with type {other} of {holder} on host {d.Host!.Name} (conflict set {sets})";
    }

    private static string Carriage(in Decision d, string rule)
    {
        var type = $"type {d.Policy.TypeName(d.TypeId)} of TVD {d.Tvd!.Name}";
        var (local, peer) = (d.Host!, d.PeerHost!);

        // A host asked about itself is one host lacking the type, not two.
        var lacking = d.Lacking == CarrySide.Both && ReferenceEquals(local, peer) ? CarrySide.Local : d.Lacking;
        return lacking switch
        {
            CarrySide.None => $"{rule}: hosts {local.Name} and {peer.Name} may both run {type}",
            CarrySide.Local => $"{rule}: host {local.Name} may not run {type} (host types: {HostTypes(local)})",
            CarrySide.Peer => $"{rule}: host {peer.Name} may not run {type} (host types: {HostTypes(peer)})",
            _ => $"{rule}: neither host {local.Name} (host types: {HostTypes(local)}) nor host {peer.Name} (host types: {HostTypes(peer)}) may run {type}",
        };
    }

    private static string Describe(CompiledResource r) =>
        r.Kind == ResourceKind.Network ? $"network {r.Name}" : $"volume {r.Name}";

    private static string List(CompiledPolicy p, TypeSet set) => string.Join(", ", p.TypeNames(set));

    private static string HostTypes(CompiledHost h) =>
        h.AllowsEveryType ? "*" : h.Definition.Types.Count > 0 ? string.Join(", ", h.Definition.Types) : "none";
}
