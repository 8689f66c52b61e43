using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Overlay.Attest.Handshake;
using Overlay.Attest.Ima;
using Overlay.Attest.Interop;
using Overlay.Daemon.Configuration;
using Overlay.Daemon.Policy;

namespace Overlay.Daemon.AttestHost;

/// <summary>
/// The attestation subsystem. In <see cref="StartAsync"/> — so before READY=1 and before the control socket
/// answers — it selects the TPM, creates the AK and measures what this daemon runs from: its executable, its
/// main assembly, its config file and its policy file. Each committed policy reload measures the new policy
/// file. Registered first, so it starts before and stops after every other subsystem; stopping kills an
/// embedded swtpm. A TPM that cannot be used fails the start (exit 1) with nothing left running.
/// </summary>
public sealed class AttestService : BackgroundService
{
    private readonly DaemonConfig _config;
    private readonly PolicyStore _policy;
    private readonly AttestRuntime _runtime;
    private readonly TimeProvider _time;
    private readonly ILogger<AttestService> _logger;
    private AttestSession? _session;

    public AttestService(DaemonConfig config, PolicyStore policy, AttestRuntime runtime, TimeProvider time, ILogger<AttestService> logger)
    {
        _time = time;
        _config = config;
        _policy = policy;
        _runtime = runtime;
        _logger = logger;
    }

    /// <summary>What is measured at start, in this order (duplicates once): executable, main assembly, config, policy.</summary>
    public static IReadOnlyList<string> StartupFiles(DaemonConfig config, string policyFile)
    {
        var files = new List<string>();
        foreach (string? path in new[] { Environment.ProcessPath, typeof(AttestService).Assembly.Location, config.ConfigFile, policyFile })
        {
            // Assembly.Location is empty in a single-file bundle; then the executable already covers it.
            if (!string.IsNullOrEmpty(path) && !files.Contains(Path.GetFullPath(path), StringComparer.Ordinal))
            {
                files.Add(Path.GetFullPath(path));
            }
        }

        return files;
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        AttestSession session = AttestSession.Open(_config.AttestSettings, _logger);
        AttestLog.AttestationKey(_logger, AttestStatusSection.AlgorithmName(session.Algorithm), session.AkPin);
        try
        {
            foreach (string file in StartupFiles(_config, _policy.Current.SourceFile))
            {
                Logged(session.MeasureFile(file));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or TpmException)
        {
            session.Dispose();
            throw new AttestStartException($"cannot measure the daemon at start: {e.Message}", e);
        }

        _session = session;
        _runtime.Session = session;
        _runtime.Handshake = new HandshakeAttestation(_config.Host, new TimedQuoteSource(QuoteSource(session), _time, _runtime.OnQuoteTaken), _time,
            HandshakeAttestation.PeriodFor(_policy.Current.Requirements.Values));
        _policy.Committed += OnPolicyCommitted;
        return base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.CompletedTask;

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        Close();
    }

    public override void Dispose()
    {
        Close();
        base.Dispose();
    }

    /// <summary>
    /// The TPM as attested IKE uses it; with <see cref="QuoteDelayVariable"/> set, slower by that many milliseconds per
    /// quote (a test and bench knob that makes swtpm answer like a discrete TPM; never a default).
    /// </summary>
    private IQuoteSource QuoteSource(AttestSession session)
    {
        if (Environment.GetEnvironmentVariable(QuoteDelayVariable) is not { } text)
        {
            return session;
        }

        if (!int.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out int ms) || ms is < 0 or > 60_000)
        {
            throw new AttestStartException($"{QuoteDelayVariable}={text}: not a delay of 0 to 60000 ms", new FormatException(text));
        }

        AttestLog.TestQuoteDelay(_logger, ms);
        return new DelayedQuoteSource(session, TimeSpan.FromMilliseconds(ms), _time);
    }

    /// <summary>Test and bench knob: milliseconds added to every quote attested IKE asks for.</summary>
    public const string QuoteDelayVariable = "TVD_OVERLAYD_TEST_QUOTE_DELAY_MS";

    private void OnPolicyCommitted(LoadedPolicy loaded)
    {
        if (_runtime.Handshake is { } handshake)
        {
            handshake.Challenges.Period = HandshakeAttestation.PeriodFor(loaded.Requirements.Values);
        }

        // The file is measured as it is now: what was just loaded, unless someone rewrote it in between, in which
        // case the list records the new bytes and a verifier sees a digest no reference value explains.
        try
        {
            Logged(_runtime.Require().MeasureFile(loaded.SourceFile));
            _runtime.MeasuredStateChanged();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or TpmException or InvalidOperationException or ObjectDisposedException)
        {
            AttestLog.MeasureFailed(_logger, loaded.SourceFile, e.Message);
        }
    }

    private void Logged(ImaNgEntry entry) =>
        AttestLog.Measured(_logger, entry.Path, entry.Pcr, Convert.ToHexStringLower(entry.FileDigest));

    private void Close()
    {
        _policy.Committed -= OnPolicyCommitted;
        _runtime.Handshake?.Dispose();
        _runtime.Handshake = null;
        _runtime.Session = null;
        if (Interlocked.Exchange(ref _session, null) is { } session)
        {
            AttestLog.Stopped(_logger, session.Measurements.Entries.Count, session.BinaryLogPath);
            session.Dispose();
        }
    }
}
