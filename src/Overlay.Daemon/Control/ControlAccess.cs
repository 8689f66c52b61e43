namespace Overlay.Daemon.Control;

/// <summary>
/// Who may use the control socket: root, the daemon's own user, and, when <c>[daemon] control_group</c> names one,
/// members of that group (by the client's group or one of its supplementary groups, as the kernel reports them at
/// connect). Decided per connection on the kernel's credentials (<see cref="PeerCredentials"/>), not only by the
/// socket's mode bits, so a socket or directory whose mode was loosened by hand still admits no one else.
/// </summary>
/// <param name="DaemonUid">The daemon's effective user id.</param>
/// <param name="Group">The control group's id; null when none is configured.</param>
/// <param name="GroupName">How the config named it (for messages).</param>
public sealed record ControlAccess(uint DaemonUid, uint? Group = null, string? GroupName = null)
{
    /// <summary>Null when the client may talk to the daemon; otherwise the refusal it is sent.</summary>
    public string? Check(PeerCredentials client)
    {
        if (client.Uid == 0 || client.Uid == DaemonUid)
        {
            return null;
        }

        if (Group is { } group && (client.Gid == group || client.Groups.Contains(group)))
        {
            return null;
        }

        string who = $"uid {client.Uid} (gid {client.Gid}, pid {client.Pid})";
        return Group is { } g
            ? $"permission denied: {who} is neither root nor in the control group '{GroupName ?? g.ToString(System.Globalization.CultureInfo.InvariantCulture)}' (gid {g})"
            : $"permission denied: {who} is not root, and no control_group is configured to admit others";
    }

    /// <summary>The group's name and id for log lines.</summary>
    public string Describe() => Group is { } g ? $"root and group '{GroupName}' (gid {g})" : "root only";
}
