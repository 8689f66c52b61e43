namespace Overlay.Labels.Model;

/// <summary>
/// An <c>[[attestation]]</c> requirement as written: what a peer host must prove (docs/policy.md) before it joins
/// a TVD that names it. Labels only records it: the files it names are read and the evidence is judged by
/// attestation (Overlay.Attest), which gets this requirement through <see cref="Compiled.CompiledAttestation"/>.
/// </summary>
/// <param name="PcrBank">The PCR bank the quote must cover: <c>sha1</c>, <c>sha256</c>, <c>sha384</c> or <c>sha512</c>.</param>
/// <param name="Pcrs">The PCRs of that bank the quote must cover, ascending, distinct; never 16 or 23.</param>
/// <param name="ReferenceValues">The <c>reference_values</c> file, or null when only inline lines are given.</param>
/// <param name="ReferenceLines">The inline <c>reference</c> lines, in the syntax of a reference values file.</param>
/// <param name="MaxAge">How old evidence may be (1–300 s; 60 s when not written).</param>
/// <param name="SoftwareTpmAllowed">True when evidence from a software TPM (swtpm) is acceptable.</param>
/// <param name="AkPins">Host name → SHA-256 of its AK's SubjectPublicKeyInfo, in the order written.</param>
/// <param name="AkCas">CA certificate files that may certify a host's AK (<c>ak_ca</c>), in the order written.</param>
/// <param name="Location">The <c>[[attestation]]</c> header.</param>
public sealed record AttestationDefinition(
    string Name,
    string PcrBank,
    IReadOnlyList<int> Pcrs,
    PolicyFileReference? ReferenceValues,
    IReadOnlyList<ReferenceLine> ReferenceLines,
    TimeSpan MaxAge,
    bool SoftwareTpmAllowed,
    IReadOnlyList<AkPin> AkPins,
    IReadOnlyList<PolicyFileReference> AkCas,
    SourceLocation Location);

/// <summary>
/// A file the policy names (reference values, an AK CA). <see cref="Path"/> is <see cref="Written"/> resolved
/// against the policy file's directory (an absolute path stays as written), so it is absolute when the policy
/// file's path was; nothing checks that it exists: whoever reads it reports a problem at <see cref="Location"/>.
/// </summary>
/// <param name="Written">The path as written in the policy.</param>
/// <param name="Path">The path to open.</param>
/// <param name="Location">Where the path was written.</param>
public sealed record PolicyFileReference(string Written, string Path, SourceLocation Location)
{
    public override string ToString() => Path;
}

/// <summary>
/// One inline reference line, checked to be <c>&lt;64 hex&gt; &lt;path&gt;</c> or <c>tvd &lt;TVD&gt; &lt;64 hex&gt;</c>
/// (docs/attestation.md "Reference values"), kept exactly as written.
/// </summary>
public sealed record ReferenceLine(string Text, SourceLocation Location)
{
    public override string ToString() => Text;
}

/// <summary>One AK pin: a <c>[[host]]</c> and the lowercase hex SHA-256 of its AK's DER SubjectPublicKeyInfo.</summary>
public sealed record AkPin(string Host, string Fingerprint, SourceLocation Location);
