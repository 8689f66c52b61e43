using System.Collections.Frozen;
using Overlay.Labels.Model;

namespace Overlay.Labels.Compiled;

/// <summary>
/// An attestation requirement as attestation consumes it: what a peer host's evidence must show before it joins a
/// TVD that names it (<see cref="CompiledTvd.Attestation"/>). Labels decides only with the verdict attestation
/// gives (<see cref="Decisions.IAttestationStatus"/>); the PCRs, reference values and AK trust below are for the
/// verifier, which reads the files and reports problems at their <see cref="PolicyFileReference.Location"/>.
/// Immutable, like the rest of a compiled policy.
/// </summary>
public sealed class CompiledAttestation
{
    private readonly FrozenDictionary<string, string> _akPins;

    internal CompiledAttestation(AttestationDefinition definition)
    {
        Definition = definition;
        _akPins = definition.AkPins.ToFrozenDictionary(p => p.Host, p => p.Fingerprint, StringComparer.Ordinal);
        PcrSelection = $"{definition.PcrBank}:{string.Join(',', definition.Pcrs)}";
    }

    public AttestationDefinition Definition { get; }

    public string Name => Definition.Name;

    /// <summary><c>sha1</c>, <c>sha256</c>, <c>sha384</c> or <c>sha512</c>.</summary>
    public string PcrBank => Definition.PcrBank;

    /// <summary>The PCRs of <see cref="PcrBank"/> a quote must cover (at least), ascending; never 16 or 23.</summary>
    public IReadOnlyList<int> Pcrs => Definition.Pcrs;

    /// <summary>Bank and PCRs in tpm2-tools syntax, ranges expanded (<c>sha256:10,13</c>): what Overlay.Attest's PcrSelection.TryParse reads.</summary>
    public string PcrSelection { get; }

    /// <summary>The reference values file, resolved against the policy file's directory; null when only inline lines are given.</summary>
    public PolicyFileReference? ReferenceValues => Definition.ReferenceValues;

    /// <summary>Inline reference lines, in the syntax of a reference values file; empty when only a file is given.</summary>
    public IReadOnlyList<ReferenceLine> ReferenceLines => Definition.ReferenceLines;

    /// <summary>How old evidence may be: 1 s to 5 min, 60 s by default.</summary>
    public TimeSpan MaxAge => Definition.MaxAge;

    /// <summary>True when evidence from a software TPM is acceptable (false by default: swtpm is no hardware root of trust).</summary>
    public bool SoftwareTpmAllowed => Definition.SoftwareTpmAllowed;

    /// <summary>Host name → lowercase hex SHA-256 of the DER SubjectPublicKeyInfo of the host's AK.</summary>
    public IReadOnlyDictionary<string, string> AkPins => _akPins;

    /// <summary>CA certificate files (PEM) whose certificate of an AK, naming the host (CN or DNS SAN), makes it trusted.</summary>
    public IReadOnlyList<PolicyFileReference> AkCas => Definition.AkCas;

    /// <summary>The <c>[[attestation]]</c> header.</summary>
    public SourceLocation Location => Definition.Location;

    /// <summary>The AK fingerprint pinned for <paramref name="host"/>, or null (then only an AK certificate from <see cref="AkCas"/> can identify it).</summary>
    public string? AkPinFor(string host) => _akPins.GetValueOrDefault(host);

    public override string ToString() => Name;
}
