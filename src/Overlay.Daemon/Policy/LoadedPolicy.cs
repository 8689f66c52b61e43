using Overlay.Attest.Handshake;
using Overlay.Labels.Compiled;

namespace Overlay.Daemon.Policy;

/// <summary>The policy the engine enforces right now, and where and when it came from.</summary>
public sealed record LoadedPolicy(CompiledPolicy Policy, string SourceFile, DateTimeOffset LoadedAt)
{
    /// <summary>The policy's attestation requirements by name, their files read (<see cref="Overlay.Common.Policy.PolicyRequirements"/>).</summary>
    public IReadOnlyDictionary<string, AttestationRequirement> Requirements { get; init; } = new Dictionary<string, AttestationRequirement>();
}

/// <summary>
/// What the last SIGHUP did: committed (from → to) or refused, with every reason. Reported by
/// <c>tvdctl status</c> so an operator sees why a reload did not take without reading the journal.
/// </summary>
/// <param name="ToVersion">The candidate's version, when the candidate file could be loaded at all.</param>
/// <param name="Problems">Load errors (<c>file:line:col: error: ...</c>) or engine conflicts; empty when committed.</param>
/// <param name="Revoked">Running guests or bindings the commit revoked (none while the daemon reloads without revoke).</param>
public sealed record ReloadReport(
    DateTimeOffset At,
    bool Committed,
    long FromVersion,
    long? ToVersion,
    string Summary,
    IReadOnlyList<string> Problems,
    IReadOnlyList<string> Revoked);
