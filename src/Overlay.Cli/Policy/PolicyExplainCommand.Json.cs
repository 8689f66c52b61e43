using System.Text.Json;
using Overlay.Attest.Handshake;
using Overlay.Attest.Quote;
using Overlay.Attest.Verify;
using Overlay.Cli.Output;
using Overlay.Labels.Compiled;
using Overlay.Labels.Decisions;

namespace Overlay.Cli.Policy;

/// <summary>
/// <c>policy explain --json</c>: the decision's members, then <c>must_prove</c> (a join judged on no evidence, with
/// its requirement) and <c>evidence</c> (a join with <c>--evidence</c>), each null when it does not apply.
/// </summary>
internal static partial class PolicyExplainCommand
{
    private static void WriteJson(TextWriter output, Decision d, CompiledPolicy policy, string? evidencePath, OfflineAppraisal? appraisal)
    {
        JsonOutput.Write(output, w =>
        {
            w.WriteStartObject();
            PolicyJson.WriteDecision(w, d);
            if (evidencePath is null && d is { Action: DecisionAction.Join, Requirement: { } requirement })
            {
                WriteMustProve(w, policy, requirement, d.Tvd!, d.PeerHost!);
            }
            else
            {
                w.WriteNull("must_prove");
            }

            if (evidencePath is null)
            {
                w.WriteNull("evidence");
            }
            else
            {
                WriteEvidence(w, evidencePath, d.Tvd!, appraisal);
            }

            w.WriteEndObject();
        });
    }

    private static void WriteMustProve(Utf8JsonWriter w, CompiledPolicy policy, CompiledAttestation requirement, CompiledTvd tvd, CompiledHost host)
    {
        w.WriteStartObject("must_prove");
        w.WriteString("requirement", requirement.Name);
        w.WriteString("location", requirement.Location.ToString());
        w.WriteString("pcrs", requirement.PcrSelection);
        w.WriteBoolean("software_tpm", requirement.SoftwareTpmAllowed);
        w.WriteStringOrNull("ak_pin", requirement.AkPinFor(host.Name));
        w.WriteStrings("ak_cas", requirement.AkCas.Select(c => c.Path));
        w.WriteString("ak", AkTrust(requirement, host.Name));
        w.WriteString("reference_values", PolicyShowCommand.ReferenceSources(requirement));
        w.WriteNumber("max_age_s", (long)requirement.MaxAge.TotalSeconds);
        w.WriteStrings("also_for", policy.TvdsRequiring(requirement).Where(t => t != tvd).Select(t => t.Name));
        w.WriteEndObject();
    }

    private static void WriteEvidence(Utf8JsonWriter w, string path, CompiledTvd tvd, OfflineAppraisal? a)
    {
        w.WriteStartObject("evidence");
        w.WriteString("file", path);
        w.WriteBoolean("judged", a is not null);
        if (a is null)
        {
            w.WriteString("reason", $"TVD {tvd.Name} requires no attestation");
            w.WriteEndObject();
            return;
        }

        w.WriteString("requirement", a.Requirement.Name);
        w.WriteBoolean("met", a.Met);
        w.WriteTime("at", a.At);
        w.WriteTime("written_at", a.ExistedAt);
        w.WriteNumber("min_age_s", (long)(a.At - a.ExistedAt).TotalSeconds);
        w.WriteNumber("max_age_s", (long)tvd.Attestation!.MaxAge.TotalSeconds);
        if (a.Quote is { } quote)
        {
            w.WriteStartObject("quote");
            w.WriteStringOrNull("pcrs", quote.QuotedSelection?.ToString());
            w.WriteString("host", a.HostId);
            w.WriteNumber("clock_ms", quote.Clock);
            w.WriteNumber("reset_count", quote.ResetCount);
            w.WriteNumber("restart_count", quote.RestartCount);
            w.WriteBoolean("software_tpm", a.SoftwareTpm);
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("quote");
        }

        w.WriteStringOrNull("ak_fingerprint", a.AkFingerprint);
        w.WriteStartArray("lists");
        foreach (var list in a.Lists)
        {
            w.WriteStartObject();
            w.WriteString("source", list.Source == MeasurementSource.KernelIma ? "kernel_ima" : "overlay");
            WriteCount(w, "entries", list.Entries);
            WriteCount(w, "covered", list.Covered);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        WriteFindings(w, a.Verdict.Findings);
        w.WriteStrings("not_checked", OfflineAppraisal.NotChecked);
        w.WriteEndObject();
    }

    private static void WriteCount(Utf8JsonWriter w, string name, int? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    /// <summary><c>findings</c>: every finding, in order, as severity, id, message and recoverable.</summary>
    internal static void WriteFindings(Utf8JsonWriter w, IEnumerable<VerificationFinding> findings)
    {
        w.WriteStartArray("findings");
        foreach (var f in findings)
        {
            w.WriteStartObject();
            w.WriteString("severity", f.Severity.ToString().ToLowerInvariant());
            w.WriteString("id", f.Id);
            w.WriteString("message", f.Message);
            w.WriteBoolean("recoverable", f.Recoverable);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }
}
