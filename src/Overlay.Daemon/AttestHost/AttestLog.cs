using Microsoft.Extensions.Logging;

namespace Overlay.Daemon.AttestHost;

/// <summary>Source-generated log lines of the attestation subsystem (event ids 7xx).</summary>
internal static partial class AttestLog
{
    [LoggerMessage(700, LogLevel.Information, "attest: TPM {Kind} via {Tcti}")]
    public static partial void TpmSelected(ILogger logger, string kind, string tcti);

    [LoggerMessage(701, LogLevel.Warning,
        "attest: WARNING software TPM: no hardware root of trust ({Tcti}). Whoever is root on this host can read its state and forge quotes; use it for labs and CI only")]
    public static partial void SoftwareTpm(ILogger logger, string tcti);

    [LoggerMessage(702, LogLevel.Information, "attest: attestation key {Algorithm} sha256:{Fingerprint}")]
    public static partial void AttestationKey(ILogger logger, string algorithm, string fingerprint);

    [LoggerMessage(703, LogLevel.Information, "attest: measured {Path} into PCR {Pcr}: sha256:{Digest}")]
    public static partial void Measured(ILogger logger, string path, uint pcr, string digest);

    [LoggerMessage(704, LogLevel.Information, "attest: continuing measurement list {Path} ({Entries} entries replay to PCR {Pcr})")]
    public static partial void ListContinued(ILogger logger, string path, int entries, int pcr);

    [LoggerMessage(705, LogLevel.Information, "attest: PCR {Pcr} was reset (TPM restart); previous list of {Entries} entries kept as {Previous}")]
    public static partial void ListRotated(ILogger logger, int pcr, int entries, string previous);

    [LoggerMessage(706, LogLevel.Warning,
        "attest: PCR {Pcr} holds measurements the list {Path} does not explain ({Problem}); it was set aside as {Previous}, and quotes over PCR {Pcr} will not verify until the TPM is reset or another PCR is configured")]
    public static partial void ListUnexplained(ILogger logger, int pcr, string path, string problem, string previous);

    [LoggerMessage(707, LogLevel.Error, "attest: could not measure {Path} after a policy reload: {Message}")]
    public static partial void MeasureFailed(ILogger logger, string path, string message);

    [LoggerMessage(708, LogLevel.Information, "attest: stopped; {Entries} measurements in {Path}")]
    public static partial void Stopped(ILogger logger, int entries, string path);

    [LoggerMessage(710, LogLevel.Warning, "attest: killing swtpm {Pid} left behind on {Directory} by a daemon that is gone")]
    public static partial void LeftoverSwtpm(ILogger logger, int pid, string directory);

    [LoggerMessage(711, LogLevel.Warning, "attest: TEST KNOB: every quote for attested IKE is {Milliseconds} ms slower (TVD_OVERLAYD_TEST_QUOTE_DELAY_MS); not for production")]
    public static partial void TestQuoteDelay(ILogger logger, int milliseconds);

    [LoggerMessage(709, LogLevel.Information, "attest: quote #{Quote} over {Pcrs} for a {NonceBytes}-byte nonce")]
    public static partial void Quoted(ILogger logger, long quote, string pcrs, int nonceBytes);
}
