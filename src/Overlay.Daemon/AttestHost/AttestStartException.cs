namespace Overlay.Daemon.AttestHost;

/// <summary>The TPM could not be selected, opened or used at start: the daemon exits 1 with this message.</summary>
public sealed class AttestStartException(string message, Exception inner) : Exception(message, inner);
