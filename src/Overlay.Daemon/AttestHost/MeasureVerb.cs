using System.Text.Json;
using Microsoft.Extensions.Logging;
using Overlay.Attest.Ima;
using Overlay.Attest.Interop;
using Overlay.Daemon.Control;

namespace Overlay.Daemon.AttestHost;

/// <summary>
/// <c>{"verb":"measure","path":"/abs/file"}</c> → <c>{"ok":true,"pcr":13,"digest":"sha256:…","path":…}</c>: measures a
/// file into the daemon's PCR and list now, as kernel IMA measures what runs (on a host without IMA in the TPM the
/// daemon uses — a software TPM — this is how a runtime change is recorded), and makes the next evidence peers get
/// show it. The control socket is root's alone, like the files it may read.
/// </summary>
public sealed class MeasureVerb : IControlVerb
{
    private readonly AttestRuntime _runtime;
    private readonly ILogger<MeasureVerb> _logger;

    public MeasureVerb(AttestRuntime runtime, ILogger<MeasureVerb> logger) => (_runtime, _logger) = (runtime, logger);

    public string Name => "measure";

    public void WriteReply(JsonElement request, Utf8JsonWriter reply)
    {
        if (!request.TryGetProperty("path", out JsonElement value) || value.ValueKind != JsonValueKind.String
            || value.GetString() is not { Length: > 0 } path || !Path.IsPathFullyQualified(path))
        {
            throw new ControlRequestException("measure needs \"path\": an absolute file path");
        }

        AttestSession session = _runtime.Session
            ?? throw new ControlRequestException("attestation is not running (the daemon is starting or stopping)");
        ImaNgEntry entry;
        try
        {
            entry = session.MeasureFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or TpmException)
        {
            throw new ControlRequestException($"cannot measure {path}: {e.Message}");
        }

        _runtime.MeasuredStateChanged();
        AttestLog.Measured(_logger, entry.Path, entry.Pcr, Convert.ToHexStringLower(entry.FileDigest));
        reply.WriteNumber("pcr", entry.Pcr);
        reply.WriteString("digest", $"{entry.DigestAlgorithm}:{Convert.ToHexStringLower(entry.FileDigest)}");
        reply.WriteString("path", entry.Path);
    }
}
