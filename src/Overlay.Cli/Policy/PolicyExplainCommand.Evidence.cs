using System.CommandLine;
using System.Globalization;
using Overlay.Attest.Handshake;
using Overlay.Attest.Quote;
using Overlay.Common.Policy;
using Overlay.Labels.Compiled;
using Overlay.Labels.Decisions;
using Overlay.Labels.Engine;

namespace Overlay.Cli.Policy;

/// <summary>
/// <c>--join TVD --host H --evidence FILE [--at TIME]</c>: would H be admitted to TVD with that evidence (the bundle
/// <c>tvdctl attest daemon-evidence</c> saved)? The TVD's requirement is loaded as the daemon loads it (reference
/// values and AK CAs read), the bundle appraised offline (<see cref="HandshakeVerifier.AppraiseOffline"/>), and the
/// verdict goes to the same join decision the daemon takes. Binding and challenge are not checked (only a handshake
/// has them); age counts from the file's modification time, since the quote is at least that old.
/// </summary>
internal static partial class PolicyExplainCommand
{
    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'";

    /// <summary>The decision line names this many failing findings; all of them are listed below it.</summary>
    private const int FindingsInDecision = 3;

    private static readonly Option<string> Evidence = new("--evidence")
    {
        Description = "With --join: the evidence bundle of --host (tvdctl attest daemon-evidence), judged offline against the TVD's attestation requirement",
        HelpName = "FILE",
    };

    private static readonly Option<string> At = new("--at")
    {
        Description = "With --evidence: judge as at this time (ISO 8601; default now): the evidence file's age is counted to it",
        HelpName = "TIME",
    };

    private static int ExplainEvidence(CompiledPolicy policy, string policyPath, string tvdName, string host, string path, string? atText,
        bool json, TextWriter output, TextWriter error)
    {
        if (ParseAt(atText, error) is not { } at || Known(policy, tvdName, host, error) is not { } tvd)
        {
            return ExitCodes.BadInput;
        }

        var errors = new List<string>();
        if (PolicyRequirements.Load(policy, errors) is not { } requirements)
        {
            errors.ForEach(error.WriteLine);
            error.WriteLine($"{policyPath}: {errors.Count} error{(errors.Count == 1 ? "" : "s")}, policy not loaded");
            return ExitCodes.BadInput;
        }

        if (ReadEvidence(path, at, error) is not var (bundle, existedAt))
        {
            return ExitCodes.BadInput;
        }

        OfflineAppraisal? appraisal = null;
        if (tvd.Attestation is { } requirement)
        {
            appraisal = HandshakeVerifier.AppraiseOffline(bundle, requirements[requirement.Name], host, existedAt, at);
            if (appraisal.Unappraisable is { } why)
            {
                error.WriteLine($"tvdctl: {path}: {why}");
                return ExitCodes.BadInput;
            }
        }
        else if (!EvidenceBundleCodec.TryDecode(bundle, out _, out var problem))
        {
            error.WriteLine($"tvdctl: {path}: it does not decode as an evidence bundle: {problem}");
            return ExitCodes.BadInput;
        }

        var d = new PolicyEngine(policy).Join(tvd.WireLabel, host, host, appraisal is null ? null : new OfflineStatus(appraisal), at);
        if (json)
        {
            WriteJson(output, d, policy, path, appraisal);
            return d.Allowed ? ExitCodes.Ok : ExitCodes.Denied;
        }

        output.WriteLine(d.ToString());
        if (appraisal is null)
        {
            output.WriteLine($"evidence {path} not judged: TVD {tvd.Name} requires no attestation");
        }
        else
        {
            PrintAppraisal(appraisal, tvd.Attestation!, path, output);
        }

        return d.Allowed ? ExitCodes.Ok : ExitCodes.Denied;
    }

    private static DateTimeOffset? ParseAt(string? text, TextWriter error)
    {
        if (text is null)
        {
            return TimeProvider.System.GetUtcNow();
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            return at.ToUniversalTime();
        }

        error.WriteLine($"tvdctl: --at: '{text}' is not a time (ISO 8601, e.g. 2030-01-02T03:04:05Z)");
        return null;
    }

    /// <summary>The TVD (by name or wire label) when it and the host are in the policy; null after saying which is not.</summary>
    private static CompiledTvd? Known(CompiledPolicy policy, string tvd, string host, TextWriter error)
    {
        var found = policy.FindTvd(tvd) ?? policy.FindTvdByLabel(tvd);
        var problem = found is null ? $"unknown TVD '{tvd}'" : policy.FindHost(host) is null ? $"unknown host '{host}'" : null;
        if (problem is not null)
        {
            error.WriteLine($"tvdctl: {problem}");
            return null;
        }

        return found;
    }

    /// <summary>
    /// The file's bytes and the time it was last written (the bundle existed then); null after saying why not: it
    /// cannot be read, is larger than any bundle, or was written after the time judged at.
    /// </summary>
    private static (byte[] Bundle, DateTimeOffset ExistedAt)? ReadEvidence(string path, DateTimeOffset at, TextWriter error)
    {
        try
        {
            var info = new FileInfo(path);
            if (info.Exists && info.Length > HandshakeConstants.MaxBundleLength)
            {
                error.WriteLine($"tvdctl: {path}: {info.Length} bytes, more than an evidence bundle may hold ({HandshakeConstants.MaxBundleLength >> 20} MiB)");
                return null;
            }

            if (!BoundedFile.TryReadAllBytes(path, HandshakeConstants.MaxBundleLength, out var bundle, out var readError))
            {
                error.WriteLine($"tvdctl: {readError}");
                return null;
            }

            var written = new DateTimeOffset(File.GetLastWriteTimeUtc(path), TimeSpan.Zero);
            if (written > at)
            {
                error.WriteLine($"tvdctl: {path} was last written at {Time(written)}, after the time judged at ({Time(at)}): " +
                    "the evidence did not exist yet (give --at a later time)");
                return null;
            }

            return (bundle, written);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"tvdctl: {e.Message}");
            return null;
        }
    }

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    /// <summary>The offline appraisal as the join decision asks it: met until its latest expiry, or not met with the ids.</summary>
    private sealed class OfflineStatus(OfflineAppraisal appraisal) : IAttestationStatus
    {
        public AttestationVerdict For(CompiledAttestation requirement)
        {
            if (requirement.Name != appraisal.Requirement.Name)
            {
                return AttestationVerdict.NotMet($"evidence not appraised under '{requirement.Name}'");
            }

            if (appraisal.Met)
            {
                return AttestationVerdict.MetUntil(appraisal.ExpiresAt);
            }

            var errors = appraisal.Verdict.Errors.ToList();
            var text = string.Join("; ", errors.Take(FindingsInDecision).Select(f => $"{f.Id} {f.Message}"));
            return AttestationVerdict.NotMet(errors.Count > FindingsInDecision ? $"{text}; and {errors.Count - FindingsInDecision} more (below)" : text);
        }
    }
}
