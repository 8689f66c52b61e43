using Microsoft.Extensions.Logging;
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
    /// Opens the TPM Overlay.Attest chooses for <paramref name="config"/> (<see cref="TpmChoice"/>: configured TCTI;
    /// else /dev/tpmrm0 if present; else an embedded swtpm under <c>swtpm_state</c>), creates the AK and opens the
    /// measurement list, logging what was chosen. Anything that fails is undone (an embedded swtpm is killed) before
    /// <see cref="AttestStartException"/> is thrown.
    /// </summary>
    public static AttestSession Open(AttestConfig config, ILogger logger, string hardwareDevice = TpmSelection.HardwareDevice)
    {
        TpmChoice choice = TpmChoice.For(config.Tcti, config.SwtpmState, hardwareDevice);
        TpmSelection? selection = null;
        TpmDevice? device = null;
        AttestationKey? key = null;
        MeasurementLogFiles? log = null;
        try
        {
            selection = TpmSelection.Start(choice, pid => AttestLog.LeftoverSwtpm(logger, pid, config.SwtpmState));
            AttestLog.TpmSelected(logger, selection.Kind.Name(), selection.Tcti);
            if (selection.IsSoftware)
            {
                AttestLog.SoftwareTpm(logger, selection.Tcti);
            }

            device = TpmDevice.Open(selection.Tcti);
            key = AttestationKey.Create(device, config.Key);
            log = OpenLog(config, device, logger);
            return new AttestSession(selection, device, key, log, config);
        }
        catch (Exception e)
        {
            key?.Dispose();
            device?.Dispose();
            log?.Dispose();
            selection?.Dispose();
            if (e is TpmException or DllNotFoundException or EntryPointNotFoundException or InvalidOperationException or TimeoutException
                or IOException or UnauthorizedAccessException or ArgumentException or InvalidDataException)
            {
                throw new AttestStartException($"cannot use {choice}: {Reason(e)}", e);
            }

            throw;
        }
    }

    /// <summary>The failure in the daemon's words: which package is missing, which daemon holds the swtpm.</summary>
    private static string Reason(Exception e) => e switch
    {
        DllNotFoundException or EntryPointNotFoundException =>
            $"tpm2-tss is not installed (libtss2-esys, libtss2-tctildr and the TCTI library): {e.Message}",
        SwtpmInUseException inUse =>
            $"swtpm {inUse.SwtpmPid} of tvd-overlayd {inUse.OwnerPid} is already answering on {inUse.SocketPath}; is another tvd-overlayd running with this state_dir?",
        _ => e.Message,
    };

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
