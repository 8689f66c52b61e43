namespace Overlay.Attest.Tpm;

/// <summary>
/// A swtpm started by a live process of this same program answers on the state an embedded swtpm was to use:
/// starting another would replace its sockets and cut that process off its TPM.
/// </summary>
public sealed class SwtpmInUseException(int swtpmPid, int ownerPid, string socketPath)
    : InvalidOperationException($"swtpm {swtpmPid} of process {ownerPid} is already answering on {socketPath}")
{
    public int SwtpmPid { get; } = swtpmPid;

    public int OwnerPid { get; } = ownerPid;

    public string SocketPath { get; } = socketPath;
}
