namespace Overlay.Labels.Decisions;

/// <summary>The ends of a carry: this host, the peer host, or both. Names which end lacks a TVD's type.</summary>
[Flags]
public enum CarrySide
{
    None = 0,
    Local = 1,
    Peer = 2,
    Both = Local | Peer,
}
