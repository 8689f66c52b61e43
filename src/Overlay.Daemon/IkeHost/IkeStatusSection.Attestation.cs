using System.Text.Json;
using Overlay.Attest.Handshake;
using Overlay.Ike.Sa;
using Overlay.Labels.Compiled;
using Overlay.Labels.Decisions;

namespace Overlay.Daemon.IkeHost;

/// <summary>
/// Attested IKE in the <c>ike</c> status section: per IKE SA what the peer proved and when, and per peer and TVD
/// the join decision as it stands now (asked of the engine without auditing: status is no decision).
/// </summary>
public sealed partial class IkeStatusSection
{
    private static void WriteSaAttestation(Utf8JsonWriter writer, IkeSa sa, DateTimeOffset now)
    {
        writer.WriteStartObject("attestation");
        writer.WriteBoolean("negotiated", sa.AttestationNegotiated);
        writer.WriteBoolean("peer_presented", sa.PeerAttestation is not null);
        if (sa.PeerAttestation is PeerAttestation peer)
        {
            PeerAppraisal appraisal = peer.Appraisal;
            writer.WriteString("summary", peer.Summary);
            writer.WriteString("verified_at", appraisal.VerifiedAt);
            if (appraisal.ChallengeIssuedAt is { } issued)
            {
                writer.WriteNumber("evidence_age_s", Math.Round((now - issued).TotalSeconds, 1));
            }

            writer.WriteBoolean("software_tpm", appraisal.SoftwareTpm);
            writer.WriteString("ak", appraisal.AkFingerprint);
            writer.WriteStartArray("requirements");
            foreach ((string name, RequirementVerdict verdict) in appraisal.Verdicts.OrderBy(v => v.Key, StringComparer.Ordinal))
            {
                writer.WriteStartObject();
                writer.WriteString("name", name);
                writer.WriteBoolean("met", verdict.Met);
                writer.WriteStartArray("findings");
                foreach (string id in verdict.Errors.Select(f => f.Id).Distinct())
                {
                    writer.WriteStringValue(id);
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }
        else if (sa.PeerAttestation is { } other)
        {
            writer.WriteString("summary", other.Summary);
        }

        if (sa.OwnEvidenceProblem is { } problem)
        {
            writer.WriteString("own_evidence_problem", problem);
        }

        writer.WriteNumber("refreshes_received", sa.RefreshesReceived);
        writer.WriteNumber("refreshes_sent", sa.RefreshesSent);
        writer.WriteEndObject();
    }

    /// <summary>Per TVD both hosts may carry: its requirement and what the join decision says now with the peer's evidence.</summary>
    private void WritePeerTvds(Utf8JsonWriter writer, IkePeer peer, IkeSa? current, DateTimeOffset now)
    {
        writer.WriteStartArray("tvds");
        foreach (CompiledTvd tvd in _policy.Engine.CarriableTvds(_policy.HostName, peer.Identity))
        {
            Decision decision = _policy.Engine.DecideJoin(tvd.WireLabel, _policy.HostName, peer.Identity,
                current?.PeerAttestation as Overlay.Labels.Decisions.IAttestationStatus, now);
            writer.WriteStartObject();
            writer.WriteString("tvd", tvd.Name);
            writer.WriteString("label", tvd.WireLabel);
            writer.WriteString("requirement", tvd.Attestation?.Name);
            writer.WriteBoolean("attested", tvd.Attestation is not null && decision.Allowed);
            writer.WriteString("verdict", decision.Allowed ? "allow" : "deny");
            writer.WriteString("reason", decision.Reason);
            writer.WriteBoolean("child_sa", current?.Children.Any(c => c.Label == tvd.WireLabel) ?? false);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }
}
