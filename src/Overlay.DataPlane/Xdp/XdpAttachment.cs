using System.Runtime.InteropServices;
using Overlay.DataPlane.Interop;
using Overlay.DataPlane.Xdp.Asm;
using static Overlay.DataPlane.Interop.BpfConstants;

namespace Overlay.DataPlane.Xdp;

/// <summary>How the program was attached: in the driver (native XDP; veth and TAP support it) or generically on the skb.</summary>
public enum XdpAttachMode
{
    Driver,
    Generic,
}

/// <summary>
/// The kernel layer of one port's XDP program (CONVENTIONS 19): an XSKMAP, the program from
/// <see cref="XdpProgramSpec"/> loaded with BPF_PROG_LOAD, and a BPF link (BPF_LINK_CREATE) that
/// attaches it to the interface. All three are <see cref="SafeBpfFd"/>s: disposing, or the process
/// dying, closes the link and the kernel detaches the program. At attach, a program some earlier
/// process left attached through netlink (an unlinked attachment survives its owner) is detached first.
/// </summary>
internal sealed class XdpAttachment : IDisposable
{
    /// <summary>XSKMAP slots: one per possible RX queue index.</summary>
    public const uint MapEntries = 64;

    private XdpAttachment(SafeBpfFd map, SafeBpfFd program, SafeBpfFd link, XdpAttachMode mode)
    {
        Map = map;
        Program = program;
        Link = link;
        Mode = mode;
    }

    public SafeBpfFd Map { get; }

    public SafeBpfFd Program { get; }

    public SafeBpfFd Link { get; }

    public XdpAttachMode Mode { get; }

    /// <summary>Creates the map, registers <paramref name="xsk"/> at <paramref name="queue"/>, loads and attaches.</summary>
    public static XdpAttachment Attach(int ifindex, uint queue, SafeSocketFd xsk, string subject) =>
        Attach(ifindex, XdpProgramSpec.RedirectToXsk(), "tvd_xsk_redir", [(queue, xsk)], subject);

    /// <summary>
    /// Creates the map, registers each socket at its queue, loads <paramref name="spec"/> (named
    /// <paramref name="name"/>, at most 15 characters) and attaches it.
    /// </summary>
    public static XdpAttachment Attach(int ifindex, BpfProgram spec, string name, IReadOnlyList<(uint Queue, SafeSocketFd Xsk)> sockets, string subject)
    {
        SafeBpfFd map = CreateXskMap(subject);
        SafeBpfFd? program = null;
        try
        {
            foreach ((uint queue, SafeSocketFd xsk) in sockets)
            {
                Register(map, queue, xsk, subject);
            }

            program = Load(map, spec, name, subject);
            DetachStale(ifindex, subject);
            (SafeBpfFd link, XdpAttachMode mode) = CreateLink(program, ifindex, subject);
            return new XdpAttachment(map, program, link, mode);
        }
        catch
        {
            program?.Dispose();
            map.Dispose();
            throw;
        }
    }

    public static SafeBpfFd CreateXskMap(string subject)
    {
        var attr = new bpf_map_create_attr { map_type = BPF_MAP_TYPE_XSKMAP, key_size = 4, value_size = 4, max_entries = MapEntries };
        return Interop.Interop.Bpf.CallForFd(BpfCommand.BPF_MAP_CREATE, ref attr, subject);
    }

    private static unsafe void Register(SafeBpfFd map, uint queue, SafeSocketFd xsk, string subject)
    {
        bool added = false;
        try
        {
            xsk.DangerousAddRef(ref added);
            uint key = queue;
            int value = (int)xsk.DangerousGetHandle();
            var attr = new bpf_map_elem_attr { map_fd = (uint)map.Fd, key = (ulong)&key, value = (ulong)&value };
            int r = Interop.Interop.Bpf.Call(BpfCommand.BPF_MAP_UPDATE_ELEM, ref attr);
            if (r < 0)
            {
                throw new NativeSocketException("bpf(BPF_MAP_UPDATE_ELEM xskmap)", subject, -r);
            }
        }
        finally
        {
            if (added)
            {
                xsk.DangerousRelease();
            }
        }
    }

    private static unsafe SafeBpfFd Load(SafeBpfFd map, BpfProgram spec, string name, string subject)
    {
        byte[] code = spec.ToBytes(_ => map.Fd);
        byte[] license = [.. "GPL"u8, 0];
        byte[] log = new byte[4096];
        fixed (byte* insns = code)
        fixed (byte* lic = license)
        fixed (byte* logBuffer = log)
        {
            var attr = new bpf_prog_load_attr
            {
                prog_type = BPF_PROG_TYPE_XDP,
                insn_cnt = (uint)(code.Length / Instruction.EncodedSize),
                insns = (ulong)insns,
                license = (ulong)lic,
                log_level = 1,
                log_size = (uint)log.Length,
                log_buf = (ulong)logBuffer,
                expected_attach_type = BPF_XDP,

                // The programs read only the first headers (in the frame's linear part), so frames of several buffers (a jumbo MTU) are safe for it; without
                // the flag veth refuses driver mode above a one-page MTU and the socket never sees such frames.
                prog_flags = BPF_F_XDP_HAS_FRAGS,
            };
            System.Text.Encoding.ASCII.GetBytes(name.AsSpan(0, Math.Min(name.Length, 15)), new Span<byte>(attr.prog_name, 16));
            int fd = Interop.Interop.Bpf.Call(BpfCommand.BPF_PROG_LOAD, ref attr);
            if (fd < 0)
            {
                string verifier = Marshal.PtrToStringUTF8((nint)logBuffer)?.Trim() ?? "";
                throw new NativeSocketException($"bpf(BPF_PROG_LOAD){(verifier.Length > 0 ? $" verifier: {verifier}" : "")}", subject, -fd);
            }

            var handle = new SafeBpfFd { Description = $"xdp prog {subject}" };
            handle.Adopt(fd);
            return handle;
        }
    }

    /// <summary>Removes a netlink-attached program in either mode (nothing attached is not an error).</summary>
    private static void DetachStale(int ifindex, string subject)
    {
        _ = Interop.Interop.RtNetlink.DetachXdp(ifindex, XDP_FLAGS_DRV_MODE, subject);
        _ = Interop.Interop.RtNetlink.DetachXdp(ifindex, XDP_FLAGS_SKB_MODE, subject);
    }

    /// <summary>Native first (veth, TAP), generic when the driver refuses.</summary>
    private static (SafeBpfFd Link, XdpAttachMode Mode) CreateLink(SafeBpfFd program, int ifindex, string subject)
    {
        var attr = new bpf_link_create_attr { prog_fd = (uint)program.Fd, target_ifindex = (uint)ifindex, attach_type = BPF_XDP, flags = XDP_FLAGS_DRV_MODE };
        int fd = Interop.Interop.Bpf.Call(BpfCommand.BPF_LINK_CREATE, ref attr);
        XdpAttachMode mode = XdpAttachMode.Driver;
        if (fd < 0 && fd != -LinuxSocketConstants.EBUSY)
        {
            attr.flags = XDP_FLAGS_SKB_MODE;
            fd = Interop.Interop.Bpf.Call(BpfCommand.BPF_LINK_CREATE, ref attr);
            mode = XdpAttachMode.Generic;
        }

        if (fd < 0)
        {
            throw new NativeSocketException("bpf(BPF_LINK_CREATE xdp)", subject, -fd);
        }

        var link = new SafeBpfFd { Description = $"xdp link {subject} ({mode})" };
        link.Adopt(fd);
        return (link, mode);
    }

    /// <summary>Link first: the program leaves the interface before its map and socket go.</summary>
    public void Dispose()
    {
        Link.Dispose();
        Program.Dispose();
        Map.Dispose();
    }
}
