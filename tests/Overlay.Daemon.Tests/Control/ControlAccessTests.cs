using Overlay.Common.Interop.Unix;
using Overlay.Daemon.Control;

namespace Overlay.Daemon.Tests.Control;

/// <summary>Who the control socket admits, on the kernel's credentials; and which directories may hold it.</summary>
public sealed class ControlAccessTests
{
    private static readonly ControlAccess RootOnly = new(DaemonUid: 0);
    private static readonly ControlAccess WithGroup = new(DaemonUid: 0, Group: 4242, GroupName: "tvdadm");

    [Fact]
    public void Root_is_admitted_and_anyone_else_refused_with_who_they_are()
    {
        Assert.Null(RootOnly.Check(new PeerCredentials(100, 0, 0, [])));
        Assert.Equal("permission denied: uid 65534 (gid 65534, pid 4711) is not root, and no control_group is configured to admit others",
            RootOnly.Check(new PeerCredentials(4711, 65534, 65534, [65534])));
    }

    [Fact]
    public void The_control_group_admits_its_members_by_primary_or_supplementary_group()
    {
        Assert.Null(WithGroup.Check(new PeerCredentials(1, 1000, 4242, [])));
        Assert.Null(WithGroup.Check(new PeerCredentials(1, 1000, 1000, [1000, 4242])));
        Assert.Equal("permission denied: uid 1000 (gid 1000, pid 1) is neither root nor in the control group 'tvdadm' (gid 4242)",
            WithGroup.Check(new PeerCredentials(1, 1000, 1000, [1000, 27])));
    }

    [Fact]
    public void A_daemon_not_running_as_root_admits_its_own_user()
    {
        Assert.Null(new ControlAccess(DaemonUid: 998).Check(new PeerCredentials(1, 998, 998, [])));
    }

    [Theory]
    [InlineData(0u, 0u, 0x41C0, null)]                                           // drwx------ root
    [InlineData(65534u, 0u, 0x41C0, "is owned by uid 65534; it must be owned by the daemon's user (uid 0)")]
    [InlineData(0u, 0u, 0x41C8, "has mode 0710; it must be 0700")]               // group search without a control group
    [InlineData(0u, 0u, 0x41C1, "has mode 0701; it must be 0700")]
    [InlineData(0u, 0u, 0xA1FF, "is a symbolic link")]
    [InlineData(0u, 0u, 0x81C0, "is not a directory")]
    public void Only_a_private_directory_of_the_daemons_user_may_hold_the_socket(uint uid, uint gid, int mode, string? problem)
    {
        string? found = ControlSocketListener.DirectoryProblem("/run/tvd", Stat(uid, gid, mode), RootOnly);

        if (problem is null)
        {
            Assert.Null(found);
        }
        else
        {
            Assert.Contains(problem, found, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(4242u, 0x41C8, null)]        // 0710 group tvdadm
    [InlineData(4242u, 0x41E8, null)]        // 0750
    [InlineData(4242u, 0x41F8, "has mode 0770")] // the group may not write
    [InlineData(27u, 0x41C8, "has mode 0710 (group 27)")]
    public void With_a_control_group_the_directory_may_open_to_that_group_only(uint gid, int mode, string? problem)
    {
        string? found = ControlSocketListener.DirectoryProblem("/run/tvd", Stat(0, gid, mode), WithGroup);

        if (problem is null)
        {
            Assert.Null(found);
        }
        else
        {
            Assert.Contains(problem, found, StringComparison.Ordinal);
        }
    }

    [Fact]
    public unsafe void Statx_mirrors_the_kernel_header()
    {
        Assert.Equal(256, sizeof(Interop.statx));
        Assert.Equal(20, (int)System.Runtime.InteropServices.Marshal.OffsetOf<Interop.statx>(nameof(Interop.statx.stx_uid)));
        Assert.Equal(24, (int)System.Runtime.InteropServices.Marshal.OffsetOf<Interop.statx>(nameof(Interop.statx.stx_gid)));
        Assert.Equal(28, (int)System.Runtime.InteropServices.Marshal.OffsetOf<Interop.statx>(nameof(Interop.statx.stx_mode)));
        Assert.Equal(32, (int)System.Runtime.InteropServices.Marshal.OffsetOf<Interop.statx>(nameof(Interop.statx.stx_ino)));
    }

    private static Interop.statx Stat(uint uid, uint gid, int mode) => new() { stx_uid = uid, stx_gid = gid, stx_mode = (ushort)mode };
}
