using Microsoft.Extensions.Logging;
using Overlay.Attest.Ima;
using Overlay.Attest.Interop;
using Overlay.Attest.Quote;
using Overlay.Attest.Tpm;
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

    /// <summary>Opens the measurement list, continued or set aside as Overlay.Attest finds it (<see cref="ListResumption"/>), and logs which.</summary>
    private static MeasurementLogFiles OpenLog(AttestConfig config, TpmDevice device, ILogger logger)
    {
        MeasurementLogFiles log = ListResumption.Open(config.MeasurementLog, config.AsciiMeasurementLog, config.Pcr, device.ReadPcrs, out var resumption);
        switch (resumption.Kind)
        {
            case ListResumptionKind.Continued:
                AttestLog.ListContinued(logger, config.MeasurementLog, resumption.Entries, config.Pcr);
                break;
            case ListResumptionKind.SetAsideAfterReset:
                AttestLog.ListRotated(logger, config.Pcr, resumption.Entries, resumption.Previous!);
                break;
            case ListResumptionKind.SetAsideUnexplained:
                AttestLog.ListUnexplained(logger, config.Pcr, config.MeasurementLog, resumption.Problem!, resumption.Previous!);
                break;
        }

        return log;
    }
}
