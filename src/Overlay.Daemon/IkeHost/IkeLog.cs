using Microsoft.Extensions.Logging;

namespace Overlay.Daemon.IkeHost;

/// <summary>Source-generated log lines of the IKE subsystem (event ids 6xx).</summary>
internal static partial class IkeLog
{
    [LoggerMessage(600, LogLevel.Information, "ike: not configured (no [ike], or enabled = false)")]
    public static partial void NotConfigured(ILogger logger);

    [LoggerMessage(601, LogLevel.Information, "ike: running as '{LocalId}' on {Address} ports {IkePort} and {NatPort} (shared with ESP); {Peers} peer(s); {Workers} worker(s)")]
    public static partial void Started(ILogger logger, string localId, string address, int ikePort, int natPort, int peers, int workers);

    [LoggerMessage(602, LogLevel.Information, "ike: initiating to {Peer} ({Address}) with tvd label '{Label}'")]
    public static partial void Initiating(ILogger logger, string peer, string address, string label);

    [LoggerMessage(603, LogLevel.Information, "ike: CHILD_SA for {Peer} label '{Label}' vlan {Vlan} installed: in 0x{InSpi:x8} out 0x{OutSpi:x8} {Suite}")]
    public static partial void ChildInstalled(ILogger logger, string peer, string label, int vlan, uint inSpi, uint outSpi, string suite);

    [LoggerMessage(614, LogLevel.Information, "ike: peer {Peer} moved to {Remote} (authenticated request from there, RFC 7296 §2.23); tunnels moved now: {Tunnels}")]
    public static partial void PeerMoved(ILogger logger, string peer, string remote, int tunnels);

    [LoggerMessage(604, LogLevel.Information, "ike: CHILD_SA for {Peer} label '{Label}' removed: in 0x{InSpi:x8} out 0x{OutSpi:x8}")]
    public static partial void ChildRemoved(ILogger logger, string peer, string label, uint inSpi, uint outSpi);

    [LoggerMessage(605, LogLevel.Warning, "ike: CHILD_SA for {Peer} label '{Label}' not installed in the data plane: {Reason}")]
    public static partial void ChildRefused(ILogger logger, string peer, string label, string reason);

    [LoggerMessage(606, LogLevel.Warning, "ike: label '{Label}' no longer allowed for {Peer}: deleting its CHILD_SA ({Reason})")]
    public static partial void ChildRevoked(ILogger logger, string peer, string label, string reason);

    [LoggerMessage(607, LogLevel.Information, "ike: IKE SA with {Peer} ended: {Reason}")]
    public static partial void IkeSaEnded(ILogger logger, string peer, string reason);

    [LoggerMessage(608, LogLevel.Information, "ike: a newer IKE SA with {Peer} replaces {Spi} (the peer restarted)")]
    public static partial void Replaced(ILogger logger, string peer, string spi);

    [LoggerMessage(609, LogLevel.Warning, "ike: debug_key_export is on: IKE keys of {Count} IKE SA(s) written to {Path} (Wireshark ikev2_decryption_table); do not use in production")]
    public static partial void KeysExported(ILogger logger, int count, string path);

    [LoggerMessage(610, LogLevel.Error, "ike: cannot write debug keys to {Path}: {Problem}")]
    public static partial void KeyExportFailed(ILogger logger, string path, string problem);

    [LoggerMessage(611, LogLevel.Error, "ike: reconcile pass failed (retrying next pass)")]
    public static partial void ReconcileFailed(ILogger logger, Exception exception);

    [LoggerMessage(613, LogLevel.Warning, "ike: TEST KNOB: the evidence we give every peer is {Path} ({Bytes} bytes: TVD_OVERLAYD_TEST_REPLAY_EVIDENCE); peers will refuse it")]
    public static partial void TestReplay(ILogger logger, string path, int bytes);

    [LoggerMessage(612, LogLevel.Warning, "ike: peer {Peer} is not a host of the policy: no CHILD_SA will be negotiated with it")]
    public static partial void PeerNotInPolicy(ILogger logger, string peer);

    [LoggerMessage(621, LogLevel.Warning, "ike: {Reason} with peer {Peer} ({Address}) [{ReasonName}]: {Side}: {Detail}. Check: {Hint}{Suppressed}")]
    public static partial void NegotiationFailed(ILogger logger, string reason, string peer, string address, string reasonName, string side,
        string detail, string hint, string suppressed);

    [LoggerMessage(620, LogLevel.Warning, "ike: shared_psk = true: one [ike] psk authenticates every peer without its own ({Peers}); any host holding it can claim to be any other. Give each [[ike.peer]] its own psk, or use certificates")]
    public static partial void SharedPsk(ILogger logger, string peers);

    [LoggerMessage(615, LogLevel.Information, "ike: peer {Peer} ({Address}) left the peer list: deleting its IKE SA {Spi} and its CHILD_SAs")]
    public static partial void Departed(ILogger logger, string peer, string address, string spi);
}
