using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Overlay.Daemon.DataPlaneHost;
using Overlay.Daemon.Tests.Support;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Sequence;

namespace Overlay.Daemon.Tests.DataPlaneHost;

/// <summary>
/// The real daemon with a statically keyed outbound SA: each start continues above the sequence numbers the last run
/// reserved (after SIGKILL as after SIGTERM), and a start whose state cannot be kept is refused at the SA's location.
/// That the packets on the wire never repeat an (SPI, IV) pair is netns-lab scenario esp-static-restart's.
/// </summary>
public sealed class StaticSequenceStateDaemonTests
{
    private const int SIGKILL = 9;
    private const string KeyHex = "000102030405060708090a0b0c0d0e0f10111213";
    private static readonly SequenceStateKey Key = SequenceStateKey.For(0x1101, Convert.FromHexString(KeyHex));

    [Fact]
    public async Task Every_start_continues_above_the_mark_the_last_run_reserved_after_sigkill_and_sigterm_alike()
    {
        using var daemon = new DaemonProcess(extraConfig: Config());
        string file = StateFile(daemon);
        Assert.False(File.Exists(file));

        System.Text.Json.JsonElement status = await daemon.StartAndWaitReadyAsync();
        Assert.Equal(1UL << 20, Mark(file));
        // Status shows the mark on the static outbound SA only.
        Assert.Equal(["0x00001101 out 1048576", "0x00002101 in -"], status.GetProperty("dataplane").GetProperty("sas").EnumerateArray()
            .Select(sa => $"{sa.GetProperty("spi").GetString()} {sa.GetProperty("direction").GetString()} " +
                (sa.TryGetProperty("sequence_reserved", out System.Text.Json.JsonElement r) ? r.GetUInt64().ToString(System.Globalization.CultureInfo.InvariantCulture) : "-"))
            .Order());
        daemon.Signal(SIGKILL);
        Assert.Equal(128 + SIGKILL, await daemon.WaitForExitAsync());

        await daemon.StartAndWaitReadyAsync();
        Assert.Equal(2UL << 20, Mark(file));
        Assert.Contains("SA 00001101 (key " + Key.KeyFingerprint + ") continues above sequence 1048576; reserved up to 2097152", daemon.Output, StringComparison.Ordinal);
        daemon.Signal(Signals.SIGTERM);
        Assert.Equal(0, await daemon.WaitForExitAsync());

        await daemon.StartAndWaitReadyAsync();
        Assert.Equal(3UL << 20, Mark(file));
        Assert.Contains("continues above sequence 2097152; reserved up to 3145728", daemon.Output, StringComparison.Ordinal);
        daemon.Signal(Signals.SIGTERM);
        Assert.Equal(0, await daemon.WaitForExitAsync());
    }

    [Fact]
    public async Task A_corrupt_state_file_is_refused_at_the_sa_location_exit_1_and_left_as_it_is()
    {
        using var daemon = new DaemonProcess(extraConfig: Config());
        string file = StateFile(daemon);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, "tvd-overlay esp-sequence 1\nreserved 5\n");

        daemon.Start();

        Assert.Equal(1, await daemon.WaitForExitAsync());
        await daemon.ExpectOutputMatchAsync($@"{Regex.Escape(daemon.ConfigFile)}:{SaLine()}:\d+: error: SA 00001101: cannot keep its sequence numbers .*{Regex.Escape(file)} is corrupt");
        Assert.Contains("not started", daemon.Output, StringComparison.Ordinal);
        Assert.Equal("tvd-overlay esp-sequence 1\nreserved 5\n", File.ReadAllText(file));
    }

    [Fact]
    public async Task An_unwritable_state_directory_is_refused_at_the_sa_location_exit_1()
    {
        using var daemon = new DaemonProcess(extraConfig: Config());
        string dir = Path.GetDirectoryName(StateFile(daemon))!;
        Directory.CreateDirectory(dir);
        if (!Unwritable(dir, true))
        {
            return; // root on a file system without the immutable attribute: nothing refuses root there
        }

        try
        {
            daemon.Start();
            Assert.Equal(1, await daemon.WaitForExitAsync());
            await daemon.ExpectOutputMatchAsync($@"{Regex.Escape(daemon.ConfigFile)}:{SaLine()}:\d+: error: SA 00001101: cannot keep its sequence numbers .*cannot write");
        }
        finally
        {
            Unwritable(dir, false);
        }
    }

    [Fact]
    public async Task A_key_whose_32_bit_space_is_used_up_is_bad_input_exit_2()
    {
        using var daemon = new DaemonProcess(extraConfig: Config(esn: false));
        SequenceStateDirectory.Open(Path.GetDirectoryName(StateFile(daemon))!).Save(Key, EspConstants.MaxSequence32);

        daemon.Start();

        Assert.Equal(2, await daemon.WaitForExitAsync());
        await daemon.ExpectOutputMatchAsync($@"error: SA 00001101: .*every sequence number of SA 0x00001101 up to 4294967295 is used under this key \(32-bit\)");
    }

    private static string StateFile(DaemonProcess daemon) =>
        Path.Combine(daemon.Directory.File("state"), StaticSequenceState.DirectoryName, Key.FileName);

    private static ulong Mark(string file) => SequenceStateDirectory.Open(Path.GetDirectoryName(file)!).Load(Key);

    /// <summary>The line of the outbound SA's table: <see cref="Config"/> starts on DaemonProcess's line 6.</summary>
    private static int SaLine() => 6 + Config().Split('\n').TakeWhile(l => !l.Contains("[[dataplane.sa]]", StringComparison.Ordinal)).Count();

    private static bool Unwritable(string dir, bool on)
    {
        if (Environment.UserName != "root")
        {
            File.SetUnixFileMode(dir, on ? UnixFileMode.UserRead | UnixFileMode.UserExecute : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            return true;
        }

        try
        {
            using Process? chattr = Process.Start(new ProcessStartInfo("chattr", [on ? "+i" : "-i", dir]) { RedirectStandardError = true });
            chattr?.WaitForExit();
            return chattr?.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    private static string Config(bool esn = true) => $"""

        [dataplane]
        underlay = "127.0.0.1"
        port = {FreeUdpPort()}

        [[dataplane.peer]]
        name = "host2"
        address = "127.0.0.2"

        [[dataplane.sa]]
        peer = "host2"
        tvd = "green"
        direction = "out"
        spi = 0x1101
        key = "{KeyHex}"
        esn = {(esn ? "true" : "false")}

        [[dataplane.sa]]
        peer = "host2"
        tvd = "green"
        direction = "in"
        spi = 0x2101
        key = "101112131415161718191a1b1c1d1e1f20212223"
        esn = {(esn ? "true" : "false")}
        """;

    private static int FreeUdpPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
