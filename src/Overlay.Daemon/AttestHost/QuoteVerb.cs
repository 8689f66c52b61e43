using System.Text.Json;
using Microsoft.Extensions.Logging;
using Overlay.Attest.Interop;
using Overlay.Attest.Quote;
using Overlay.Attest.Tpm;
using Overlay.Daemon.Control;

namespace Overlay.Daemon.AttestHost;

/// <summary>
/// <c>{"verb":"quote","nonce":"&lt;hex&gt;"}</c> → <c>{"ok":true,"evidence":"&lt;base64&gt;","ak_pin":"&lt;hex&gt;",...}</c>:
/// a fresh TPM quote over the measurement PCR bound to the verifier's nonce, with the AK and the daemon's
/// measurement list, in the evidence encoding of docs/attestation.md (what <c>tvdctl attest verify</c> reads).
/// </summary>
public sealed class QuoteVerb : IControlVerb
{
    /// <summary>TPM2B_DATA holds at most 64 bytes of qualifying data.</summary>
    public const int MaxNonceBytes = 64;

    private readonly AttestRuntime _runtime;
    private readonly ILogger<QuoteVerb> _logger;
    private long _quotes;

    public QuoteVerb(AttestRuntime runtime, ILogger<QuoteVerb> logger)
    {
        _runtime = runtime;
        _logger = logger;
    }

    public string Name => "quote";

    public void WriteReply(JsonElement request, Utf8JsonWriter reply)
    {
        byte[] nonce = ParseNonce(request);
        AttestSession session = _runtime.Session
            ?? throw new ControlRequestException("attestation is not running (the daemon is starting or stopping)");
        Evidence evidence;
        try
        {
            evidence = session.CollectEvidence(nonce);
        }
        catch (Exception e) when (e is TpmException or InvalidDataException or ObjectDisposedException)
        {
            throw new ControlRequestException($"quote failed: {e.Message}");
        }

        AttestLog.Quoted(_logger, Interlocked.Increment(ref _quotes), session.Selection.ToString(), nonce.Length);
        reply.WriteString("evidence", Convert.ToBase64String(EvidenceCodec.Encode(evidence)));
        reply.WriteString("ak_pin", session.AkPin);
        reply.WriteString("ak_algorithm", AttestStatusSection.AlgorithmName(session.Algorithm));
        reply.WriteString("pcrs", session.Selection.ToString());
        reply.WriteString("tpm", session.Kind.Name());
        reply.WriteBoolean("hardware_root_of_trust", !session.IsSoftware);
    }

    private static byte[] ParseNonce(JsonElement request)
    {
        if (!request.TryGetProperty("nonce", out JsonElement value) || value.ValueKind != JsonValueKind.String)
        {
            throw new ControlRequestException("quote needs a string \"nonce\": 1 to 64 bytes as hex");
        }

        string text = value.GetString()!;
        string hex = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        if (hex.Length == 0 || hex.Length % 2 != 0 || hex.Length > 2 * MaxNonceBytes || !hex.All(char.IsAsciiHexDigit))
        {
            throw new ControlRequestException($"nonce must be 1 to {MaxNonceBytes} bytes as hex (an even number of hex digits)");
        }

        return Convert.FromHexString(hex);
    }
}
