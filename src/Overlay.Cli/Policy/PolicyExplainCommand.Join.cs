using System.CommandLine;
using Overlay.Labels.Compiled;
using Overlay.Labels.Decisions;
using Overlay.Labels.Engine;

namespace Overlay.Cli.Policy;

/// <summary>
/// <c>--join TVD --host H</c>: may host H be in TVD's network? Without evidence to judge, the answer is what H must
/// prove: a TVD that names an attestation requirement is denied ("presented no evidence") with the requirement
/// spelled out; one that names none is allowed when H may run the TVD's type. With <c>--evidence</c>, the evidence
/// is judged (PolicyExplainCommand.Evidence.cs).
/// </summary>
internal static partial class PolicyExplainCommand
{
    private static readonly Option<string> Join = new("--join")
    {
        Description = "TVD (name or wire label) host --host would join: what it must prove, or with --evidence whether that evidence gets it in",
        HelpName = "TVD",
    };

    /// <summary>
    /// The join of <paramref name="host"/> asked about itself (no second host is named): carriage then reduces to
    /// "may it run the TVD's type", and the attestation side is judged on no evidence.
    /// </summary>
    private static Decision? ExplainJoin(PolicyEngine engine, CompiledPolicy policy, string tvd, string host, TextWriter error)
    {
        var found = policy.FindTvd(tvd) ?? policy.FindTvdByLabel(tvd);
        if (found is null)
        {
            error.WriteLine($"tvdctl: unknown TVD '{tvd}'");
            return null;
        }

        var d = engine.Join(found.WireLabel, host, host, peer: null, TimeProvider.System.GetUtcNow());
        if (d.Rule == DecisionRule.UnknownReference)
        {
            error.WriteLine($"tvdctl: {d.Subject}");
            return null;
        }

        return d;
    }

    private static void WhatMustBeProved(CompiledPolicy policy, CompiledAttestation requirement, CompiledTvd tvd, CompiledHost host, TextWriter output)
    {
        output.WriteLine($"no evidence given; to join TVD {tvd.Name}, host {host.Name} must prove '{requirement.Name}' ({requirement.Location}):");
        output.WriteLine($"  quote      over {requirement.PcrSelection} (at least these PCRs), " +
            (requirement.SoftwareTpmAllowed ? "a software TPM is accepted (software_tpm = true)" : "from a hardware TPM (software_tpm = false)"));
        output.WriteLine($"  AK         {AkTrust(requirement, host.Name)}");
        output.WriteLine($"  reference  every measured entry listed in {PolicyShowCommand.ReferenceSources(requirement)}");
        output.WriteLine($"  max_age    evidence at most {requirement.MaxAge.TotalSeconds:0} s old, refreshed before it expires");
        var others = policy.TvdsRequiring(requirement).Where(t => t != tvd).Select(t => t.Name).ToList();
        if (others.Count > 0)
        {
            output.WriteLine($"  also for   TVD {string.Join(", ", others)}");
        }
    }

    private static string AkTrust(CompiledAttestation requirement, string host)
    {
        var pin = requirement.AkPinFor(host) is { } fingerprint ? $"pinned for {host}: sha256 {fingerprint}" : null;
        var cas = requirement.AkCas.Count == 0
            ? null
            : $"an AK certificate naming {host} (CN or DNS SAN) from a CA in {string.Join(", ", requirement.AkCas)}";
        return (pin, cas) switch
        {
            (null, null) => $"none: {host} has no pin in `ak_pins` and no `ak_ca` is set, so no AK of {host} is trusted and it cannot meet '{requirement.Name}'",
            ({ } p, null) => p,
            (null, { } c) => c,
            ({ } p, { } c) => $"{p}; or {c}",
        };
    }
}
