using System.Text.Json;
using Overlay.Cli.Output;
using Overlay.Labels.Compiled;
using Overlay.Labels.Decisions;
using Overlay.Labels.Model;

namespace Overlay.Cli.Policy;

/// <summary>The <c>--json</c> documents of the policy verbs (docs/cli.md): diagnostics, the compiled policy, a decision.</summary>
internal static class PolicyJson
{
    public static void WriteDiagnostic(Utf8JsonWriter w, PolicyDiagnostic d)
    {
        w.WriteStartObject();
        w.WriteString("severity", d.Severity == DiagnosticSeverity.Error ? "error" : "warning");
        w.WriteString("file", d.Location.File);
        w.WriteNumber("line", d.Location.Line);
        w.WriteNumber("column", d.Location.Column);
        w.WriteString("message", d.Message);
        w.WriteEndObject();
    }

    public static void WriteDiagnostics(Utf8JsonWriter w, string name, IEnumerable<PolicyDiagnostic> diagnostics)
    {
        w.WriteStartArray(name);
        foreach (var d in diagnostics)
        {
            WriteDiagnostic(w, d);
        }

        w.WriteEndArray();
    }

    /// <summary><c>policy show --json</c>: everything the tables show, one array per table.</summary>
    public static void WritePolicy(Utf8JsonWriter w, CompiledPolicy p, IEnumerable<PolicyDiagnostic> warnings)
    {
        w.WriteStartObject();
        w.WriteStartObject("policy");
        w.WriteString("name", p.Name);
        w.WriteNumber("version", p.Version);
        w.WriteString("file", p.Definition.SourceFile);
        w.WriteEndObject();
        WriteDiagnostics(w, "warnings", warnings);
        w.WriteStartArray("tvds");
        foreach (var t in p.Tvds)
        {
            w.WriteStartObject();
            w.WriteString("name", t.Name);
            w.WriteString("description", t.Definition.Description);
            w.WriteString("type", t.Definition.SteType);
            w.WriteNumber("vlan", t.VlanId);
            w.WriteString("label", t.WireLabel);
            w.WriteStringOrNull("attestation", t.Definition.Attestation);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("attestations");
        foreach (var a in p.Attestations)
        {
            WriteRequirement(w, p, a);
        }

        w.WriteEndArray();
        w.WriteStartArray("conflict_sets");
        foreach (var s in p.ConflictSets)
        {
            w.WriteStartObject();
            w.WriteString("name", s.Name);
            w.WriteStrings("types", p.TypeNames(s.Types));
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("guests");
        foreach (var g in p.Guests)
        {
            w.WriteStartObject();
            w.WriteString("name", g.Name);
            w.WriteStrings("ste_types", g.Definition.SteTypes);
            w.WriteStrings("cw_types", g.Definition.CwTypes);
            w.WriteStrings("networks", g.Definition.Networks);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("resources");
        foreach (var r in p.Resources)
        {
            w.WriteStartObject();
            w.WriteString("name", r.Name);
            w.WriteString("kind", r.Kind == ResourceKind.Network ? "network" : "volume");
            w.WriteStrings("ste_types", p.TypeNames(r.SteTypes));
            w.WriteStringOrNull("tvd", r.Tvd?.Name);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("hosts");
        foreach (var h in p.Hosts)
        {
            w.WriteStartObject();
            w.WriteString("name", h.Name);
            w.WriteBoolean("every_type", h.AllowsEveryType);
            w.WriteStrings("types", h.AllowsEveryType ? [] : h.Definition.Types);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteRequirement(Utf8JsonWriter w, CompiledPolicy p, CompiledAttestation a)
    {
        w.WriteStartObject();
        w.WriteString("name", a.Name);
        w.WriteString("pcrs", a.PcrSelection);
        w.WriteStringOrNull("reference_values", a.ReferenceValues?.Path);
        w.WriteNumber("reference_lines", a.ReferenceLines.Count);
        w.WriteNumber("max_age_s", (long)a.MaxAge.TotalSeconds);
        w.WriteBoolean("software_tpm", a.SoftwareTpmAllowed);
        w.WriteStartObject("ak_pins");
        foreach (var (host, pin) in a.AkPins.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            w.WriteString(host, pin);
        }

        w.WriteEndObject();
        w.WriteStrings("ak_cas", a.AkCas.Select(c => c.Path));
        w.WriteStrings("tvds", p.TvdsRequiring(a).Select(t => t.Name));
        w.WriteEndObject();
    }

    /// <summary>The members of a decision's object (inside an object the caller opened): what was asked and the answer.</summary>
    public static void WriteDecision(Utf8JsonWriter w, Decision d)
    {
        w.WriteBoolean("allowed", d.Allowed);
        w.WriteString("action", d.Action.ToString().ToLowerInvariant());
        w.WriteString("rule", DecisionText.RuleName(d.Rule));
        w.WriteString("decision", d.ToString());
        w.WriteStringOrNull("guest", d.Guest?.Name);
        w.WriteStringOrNull("resource", d.Resource?.Name);
        w.WriteStringOrNull("host", d.Host?.Name);
        w.WriteStringOrNull("peer_host", d.PeerHost?.Name);
        w.WriteStringOrNull("tvd", d.Tvd?.Name);
        w.WriteStringOrNull("type", d.TypeId >= 0 ? d.Policy.TypeName(d.TypeId) : null);
        w.WriteStringOrNull("other_type", d.OtherTypeId >= 0 ? d.Policy.TypeName(d.OtherTypeId) : null);
        w.WriteStringOrNull("requirement", d.Requirement?.Name);
        w.WriteStringOrNull("attestation", d.Action == DecisionAction.Join ? Outcome(d.AttestationOutcome) : null);
    }

    private static string Outcome(AttestationOutcome outcome) => outcome switch
    {
        AttestationOutcome.None => "not_judged",
        AttestationOutcome.NotRequired => "not_required",
        AttestationOutcome.Met => "met",
        AttestationOutcome.NotPresented => "not_presented",
        AttestationOutcome.NotMet => "not_met",
        AttestationOutcome.Expired => "expired",
        AttestationOutcome.NoExpiry => "no_expiry",
        AttestationOutcome.BeyondMaxAge => "beyond_max_age",
        _ => outcome.ToString().ToLowerInvariant(),
    };
}
