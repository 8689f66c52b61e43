using System.Text.Json;
using Overlay.Attest.Ima;
using Overlay.Attest.Tpm;
using Overlay.Daemon.Status;

namespace Overlay.Daemon.AttestHost;

/// <summary>
/// The <c>attest</c> section: which TPM (and the warning when it is software), the AK (algorithm, pin, PEM),
/// the PCR, how many measurements and the last few, and whether the host kernel keeps an IMA list.
/// </summary>
public sealed class AttestStatusSection : IStatusSection
{
    /// <summary>How many of the newest measurements the section lists.</summary>
    public const int RecentEntries = 8;

    public const string SoftwareWarning = "software TPM: no hardware root of trust";

    private readonly AttestRuntime _runtime;

    public AttestStatusSection(AttestRuntime runtime) => _runtime = runtime;

    public string Name => "attest";

    public static string AlgorithmName(AkAlgorithm algorithm) => algorithm == AkAlgorithm.EccP256 ? "ecc-p256" : "rsa-2048";

    public void Write(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        if (_runtime.Session is not { } session)
        {
            writer.WriteBoolean("running", false);
            writer.WriteEndObject();
            return;
        }

        writer.WriteBoolean("running", true);
        WriteTpm(writer, session);
        writer.WriteStartObject("ak");
        writer.WriteString("algorithm", AlgorithmName(session.Algorithm));
        writer.WriteString("fingerprint", session.AkPin);
        writer.WriteString("pem", session.Key.ExportPem());
        writer.WriteEndObject();
        writer.WriteNumber("pcr", session.Pcr);
        writer.WriteString("measurement_log", session.BinaryLogPath);
        writer.WriteString("ascii_measurement_log", session.AsciiLogPath);
        WriteMeasurements(writer, session.Measurements);
        writer.WriteStartObject("kernel_ima");
        string? kernelList = KernelImaLog.Paths.FirstOrDefault(File.Exists);
        writer.WriteBoolean("present", kernelList is not null);
        writer.WriteString("path", kernelList);
        writer.WriteEndObject();
        if (_runtime.Handshake is { } handshake)
        {
            WriteHandshake(writer, handshake);
        }

        writer.WriteEndObject();
    }

    /// <summary>
    /// Attested IKE as this host serves it: our challenge and how often it changes, and the quotes made for peers'
    /// challenges — how many handshakes each served is the point of making one per batch rather than per handshake.
    /// </summary>
    private static void WriteHandshake(Utf8JsonWriter writer, HandshakeAttestation handshake)
    {
        var attester = handshake.Attester;
        writer.WriteStartObject("handshakes");
        writer.WriteNumber("challenge_period_s", handshake.Challenges.Period.TotalSeconds);
        var challenge = handshake.Challenges.Current;
        writer.WriteString("challenge_issued_at", challenge.IssuedAt);
        // "cluster_epoch": the epoch every host of the cluster hands out (one quote per epoch serves all verifiers).
        writer.WriteString("challenge_source", ReferenceEquals(handshake.Challenges.Epochs?.Latest, challenge) ? "cluster_epoch" : "own");
        writer.WriteNumber("quotes_made", attester.QuotesMade);
        writer.WriteNumber("quotes_failed", attester.QuotesFailed);
        writer.WriteNumber("evidence_served", attester.EvidenceServed);
        writer.WriteNumber("handshakes_per_quote", attester.QuotesMade == 0 ? 0 : Math.Round((double)attester.EvidenceServed / attester.QuotesMade, 1));
        if (attester.LastFailure is { } failure)
        {
            writer.WriteString("last_failure", failure.Reason);
            writer.WriteString("last_failure_at", failure.At);
        }

        writer.WriteNumber("peers_verified", handshake.Verifier.HostCount);
        writer.WriteEndObject();
    }

    private static void WriteTpm(Utf8JsonWriter writer, AttestSession session)
    {
        writer.WriteStartObject("tpm");
        writer.WriteString("kind", session.Kind.Name());
        writer.WriteString("tcti", session.Tcti);
        writer.WriteBoolean("hardware_root_of_trust", !session.IsSoftware);
        if (session.IsSoftware)
        {
            writer.WriteString("warning", SoftwareWarning);
        }

        if (session.SwtpmProcessId is int pid)
        {
            writer.WriteNumber("swtpm_pid", pid);
        }

        writer.WriteEndObject();
    }

    private static void WriteMeasurements(Utf8JsonWriter writer, MeasurementList list)
    {
        IReadOnlyList<ImaNgEntry> entries = list.Entries;
        writer.WriteNumber("measurements", entries.Count);
        writer.WriteStartArray("last_measurements");
        for (int i = Math.Max(0, entries.Count - RecentEntries); i < entries.Count; i++)
        {
            ImaNgEntry entry = entries[i];
            writer.WriteStartObject();
            writer.WriteNumber("pcr", entry.Pcr);
            writer.WriteString("digest", $"{entry.DigestAlgorithm}:{Convert.ToHexStringLower(entry.FileDigest)}");
            writer.WriteString("path", entry.Path);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }
}
