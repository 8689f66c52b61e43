using System.Globalization;
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
        DecisionRule.Attestation => "attestation",
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
            DecisionRule.Attestation => Attestation(d, rule),
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
        var join = d.Action == DecisionAction.Join;

        // A host asked about itself is one host lacking the type, not two; a join asked about one host (what must
        // it prove?) is one host that may run the type.
        var lacking = d.Lacking == CarrySide.Both && ReferenceEquals(local, peer) ? CarrySide.Local : d.Lacking;
        var text = lacking switch
        {
            CarrySide.None when join && ReferenceEquals(local, peer) => $"{rule}: host {local.Name} may run {type}",
            CarrySide.None => $"{rule}: hosts {local.Name} and {peer.Name} may both run {type}",
            CarrySide.Local => $"{rule}: host {local.Name} may not run {type} (host types: {HostTypes(local)})",
            CarrySide.Peer => $"{rule}: host {peer.Name} may not run {type} (host types: {HostTypes(peer)})",
            _ => $"{rule}: neither host {local.Name} (host types: {HostTypes(local)}) nor host {peer.Name} (host types: {HostTypes(peer)}) may run {type}",
        };
        return join && d.Allowed ? $"{text} (TVD {d.Tvd.Name} requires no attestation)" : text;
    }

    private static string Attestation(in Decision d, string rule)
    {
        var (peer, tvd, requirement) = (d.PeerHost!.Name, d.Tvd!.Name, d.Requirement!);
        var verdict = d.AttestationVerdict;
        var evidence = $"the evidence of host {peer} for '{requirement.Name}'";
        return d.AttestationOutcome switch
        {
            AttestationOutcome.Met =>
                $"{rule}: host {peer} meets '{requirement.Name}' for TVD {tvd} (evidence valid until {Time(verdict.ExpiresAt)})",
            AttestationOutcome.NotPresented => $"{rule}: host {peer} presented no evidence; TVD {tvd} requires '{requirement.Name}'",
            AttestationOutcome.NotMet when string.IsNullOrEmpty(verdict.Findings) =>
                $"{rule}: host {peer} does not meet '{requirement.Name}' for TVD {tvd}",
            AttestationOutcome.NotMet => $"{rule}: host {peer} does not meet '{requirement.Name}' for TVD {tvd}: {verdict.Findings}",
            AttestationOutcome.Expired => $"{rule}: {evidence} expired at {Time(verdict.ExpiresAt)} (TVD {tvd})",
            AttestationOutcome.NoExpiry => $"{rule}: {evidence} has no expiry time, so its freshness cannot be checked (TVD {tvd})",
            _ => $"{rule}: {evidence} is said to be valid until {Time(verdict.ExpiresAt)}, longer than its max_age of " +
                 $"{requirement.MaxAge.TotalSeconds:0} s allows, so it was not judged against this requirement (TVD {tvd})",
        };
    }

    /// <summary>UTC to the second, as ISO 8601: what logs and the audit trail beside it show.</summary>
    private static string Time(DateTimeOffset? time) =>
        time?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "?";

    private static string Describe(CompiledResource r) =>
        r.Kind == ResourceKind.Network ? $"network {r.Name}" : $"volume {r.Name}";

    private static string List(CompiledPolicy p, TypeSet set) => string.Join(", ", p.TypeNames(set));

    private static string HostTypes(CompiledHost h) =>
        h.AllowsEveryType ? "*" : h.Definition.Types.Count > 0 ? string.Join(", ", h.Definition.Types) : "none";
}
