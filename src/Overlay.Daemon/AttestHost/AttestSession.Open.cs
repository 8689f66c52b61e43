using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Overlay.Attest.Ima;
using Overlay.Attest.Interop;
using Overlay.Attest.Structures;
using Overlay.Attest.Tpm;
using Overlay.Attest.Verify;
using Overlay.Daemon.Configuration;

namespace Overlay.Daemon.AttestHost;

public sealed partial class AttestSession
{
    /// <summary>
    /// Selects the TPM (configured TCTI; else /dev/tpmrm0 if present; else an embedded swtpm under
    /// <c>swtpm_state</c>), opens it, creates the AK and opens the measurement list. Anything that fails is
    /// undone (an embedded swtpm is killed) before <see cref="AttestStartException"/> is thrown.
    /// </summary>
    public static AttestSession Open(AttestConfig config, ILogger logger, string hardwareDevice = TpmSelection.HardwareDevice)
    {
        TpmKind kind = config.IsConfigured ? TpmKind.ConfiguredTcti
            : config.Tcti is null && File.Exists(hardwareDevice) ? TpmKind.Device
            : TpmKind.EmbeddedSwtpm;
        string what = kind switch
        {
            TpmKind.ConfiguredTcti => $"the configured TPM '{config.Tcti}'",
            TpmKind.Device => $"the TPM {hardwareDevice}",
            _ => $"an embedded swtpm in {config.SwtpmState}",
        };

        EmbeddedSwtpm? swtpm = null;
        TpmSelection? selection = null;
        TpmDevice? device = null;
        AttestationKey? key = null;
        MeasurementLogFiles? log = null;
        try
        {
            if (kind == TpmKind.EmbeddedSwtpm)
            {
                RefuseIfInUse(config.SwtpmState, logger);
                swtpm = EmbeddedSwtpm.Start(config.SwtpmState);
            }

            string? tcti = kind switch
            {
                TpmKind.ConfiguredTcti => config.Tcti,
                TpmKind.EmbeddedSwtpm => swtpm!.Tcti,
                _ => $"device:{hardwareDevice}",
            };
            // The selection's own warning is replaced by ours, which also covers a configured swtpm TCTI.
            selection = TpmSelection.Resolve(tcti, config.SwtpmState, NullLogger.Instance, hardwareDevice);
            AttestLog.TpmSelected(logger, kind.Name(), selection.Tcti);
            if (selection.IsSoftware)
            {
                AttestLog.SoftwareTpm(logger, selection.Tcti);
            }

            device = TpmDevice.Open(selection.Tcti);
            key = AttestationKey.Create(device, config.Key);
            log = OpenLog(config, device, logger);
            return new AttestSession(kind, selection, swtpm, device, key, log, config);
        }
        catch (Exception e)
        {
            key?.Dispose();
            device?.Dispose();
            log?.Dispose();
            selection?.Dispose();
            swtpm?.Dispose();
            if (e is TpmException or DllNotFoundException or EntryPointNotFoundException or InvalidOperationException or TimeoutException
                or IOException or UnauthorizedAccessException or ArgumentException or InvalidDataException)
            {
                string reason = e is DllNotFoundException or EntryPointNotFoundException
                    ? $"tpm2-tss is not installed (libtss2-esys, libtss2-tctildr and the TCTI library): {e.Message}"
                    : e.Message;
                throw new AttestStartException($"cannot use {what}: {reason}", e);
            }

            throw;
        }
    }

    /// <summary>
    /// Starting a swtpm replaces its sockets, which would cut off the daemon already using this state: a second
    /// daemon on the same state_dir must fail instead. A swtpm whose daemon is gone (it crashed or was killed) is
    /// a leftover holding the state's lock; it is killed so this start can take the state over.
    /// </summary>
    private static void RefuseIfInUse(string swtpmState, ILogger logger)
    {
        foreach ((int pid, int parent) in SwtpmLeftovers.Find(swtpmState))
        {
            if (SwtpmLeftovers.IsDaemon(parent))
            {
                throw new InvalidOperationException(
                    $"swtpm {pid} of tvd-overlayd {parent} is already answering on {Path.Combine(Path.GetFullPath(swtpmState), "tpm.sock")}; is another tvd-overlayd running with this state_dir?");
            }

            AttestLog.LeftoverSwtpm(logger, pid, swtpmState);
            SwtpmLeftovers.Kill(pid);
        }
    }

    /// <summary>
    /// Continues the list on disk only if it explains the PCR as it is now (same TPM, no reset since); otherwise
    /// sets it aside and starts a new one, because a list that does not replay to the PCR makes every quote fail.
    /// </summary>
    private static MeasurementLogFiles OpenLog(AttestConfig config, TpmDevice device, ILogger logger)
    {
        if (File.Exists(config.MeasurementLog))
        {
            PcrValues now = device.ReadPcrs(PcrSelection.Sha256(config.Pcr));
            string? problem;
            int entries = 0;
            if (MeasurementList.TryParse(File.ReadAllBytes(config.MeasurementLog), out var list, out string error))
            {
                entries = list.Entries.Count;
                ReplayOutcome replay = ReplayEngine.Replay(list, now);
                problem = replay.Replays && replay.CoveredEntries == entries ? null
                    : replay.Replays ? $"only the first {replay.CoveredEntries} of {entries} entries are in the PCR"
                    : replay.Problem ?? "it does not replay";
            }
            else
            {
                problem = $"the list is corrupt: {error}";
            }

            if (problem is null)
            {
                AttestLog.ListContinued(logger, config.MeasurementLog, entries, config.Pcr);
            }
            else
            {
                bool reset = now.Get(TpmConstants.AlgSha256, config.Pcr) is { } value && value.AsSpan().IndexOfAnyExcept((byte)0) < 0;
                string previous = MeasurementLogFiles.SetAside(config.MeasurementLog, config.AsciiMeasurementLog);
                if (reset)
                {
                    AttestLog.ListRotated(logger, config.Pcr, entries, previous);
                }
                else
                {
                    AttestLog.ListUnexplained(logger, config.Pcr, config.MeasurementLog, problem, previous);
                }
            }
        }

        return MeasurementLogFiles.Open(config.MeasurementLog, config.AsciiMeasurementLog);
    }
}
