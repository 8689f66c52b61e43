using System.Diagnostics;
using System.Runtime.InteropServices;
using Overlay.DataPlane.Io;
using Overlay.DataPlane.Xdp;
using Xunit.Abstractions;

namespace Overlay.DataPlane.Tests.Io;

/// <summary>
/// The AF_XDP port against the real kernel, in a namespace this test creates (prefix "tbxdp-", removed
/// in finally) with one veth pair of one queue each: frames from an AF_PACKET peer arrive through the
/// XDP program, frames sent through the TX ring reach the peer, and disposing detaches the program.
/// Root only: skipped (reason written to the test output) otherwise, never failed for that.
/// </summary>
public sealed partial class XdpGuestPortTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(50);

    [Fact]
    public void Frames_cross_the_rings_both_ways_and_dispose_detaches_the_program()
    {
        if (Environment.UserName != "root")
        {
            output.WriteLine("skipped: AF_XDP and namespaces need root");
            return;
        }

        string ns = $"tbxdp-{Environment.ProcessId % 100000}";
        Run("ip", $"netns del {ns}", check: false);
        Run("ip", $"netns add {ns}");
        try
        {
            Run("ip", $"-n {ns} link add xa numtxqueues 1 numrxqueues 1 type veth peer name xb numtxqueues 1 numrxqueues 1");
            Run("ip", $"-n {ns} link set xa up");
            Run("ip", $"-n {ns} link set xb up");
            Exception? failure = null;
            var thread = new Thread(() =>
            {
                try
                {
                    EnterNamespace(ns);
                    Exchange(ns);
                }
                catch (Exception e)
                {
                    failure = e;
                }
            });
            thread.Start();
            Assert.True(thread.Join(TimeSpan.FromSeconds(30)), "the exchange did not finish in 30 s");
            if (failure is not null)
            {
                throw new Xunit.Sdk.XunitException($"exchange failed: {failure}");
            }

            Assert.DoesNotContain("xdp", Run("ip", $"-n {ns} link show xa"));
        }
        finally
        {
            Run("ip", $"netns del {ns}", check: false);
        }
    }

    private void Exchange(string ns)
    {
        using var peer = PacketSocketPort.Open("xb", Timeout);
        using var batch = new MessageBatch(16, 2048);
        using (var port = XdpGuestPort.Open("xa", Timeout))
        {
            output.WriteLine($"attached in {port.Mode} mode: {Run("ip", $"-n {ns} link show xa").Split('\n')[0]}");
            Assert.Contains("xdp", Run("ip", $"-n {ns} link show xa"));

            byte[] inbound = Frame(0x11);
            Assert.Equal(inbound.Length, peer.Send(inbound));
            Assert.True(ReceiveMatching(port, batch, inbound), "the frame sent by the peer did not reach the AF_XDP RX ring");

            byte[] outbound = Frame(0x22);
            for (int i = 0; i < 6000; i++)
            {
                // More sends than TX frames (4096): completions must recycle them.
                Assert.Equal(outbound.Length, port.Send(outbound));
            }

            Assert.True(ReceiveMatching(peer, batch, outbound), "the frame sent through the TX ring did not reach the peer");

            // A loop that falls behind: more frames than the RX ring holds, none read. The kernel drops
            // the rest, and the port reports it.
            Assert.Equal(0, port.KernelDrops);
            for (int i = 0; i < 6000; i++)
            {
                peer.Send(inbound);
            }

            long deadline = Environment.TickCount64 + 3000;
            while (port.KernelDrops == 0 && Environment.TickCount64 < deadline)
            {
                Thread.Sleep(10);
            }

            Assert.True(port.KernelDrops > 0, "frames dropped at a full RX ring were not counted");
        }
    }

    private static bool ReceiveMatching(IGuestPortIo io, MessageBatch batch, byte[] expected)
    {
        long deadline = Environment.TickCount64 + 3000;
        while (Environment.TickCount64 < deadline)
        {
            int n = io.Receive(batch);
            Assert.True(n >= 0, $"receive: errno {-n}");
            for (int i = 0; i < n; i++)
            {
                if (batch[i].Valid.SequenceEqual(expected))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static byte[] Frame(byte marker)
    {
        byte[] frame = new byte[64];
        frame.AsSpan(0, 6).Fill(0xff);
        frame[6] = 0x02;
        frame[11] = marker;
        frame[12] = 0x88;
        frame[13] = 0xb5; // IEEE local experimental EtherType
        "TVD-XDP-TEST"u8.CopyTo(frame.AsSpan(14));
        frame[40] = marker;
        return frame;
    }

    private static void EnterNamespace(string ns)
    {
        using var handle = File.OpenHandle($"/run/netns/{ns}");
        if (SetNs((int)handle.DangerousGetHandle(), 0x40000000 /* CLONE_NEWNET */) != 0)
        {
            throw new InvalidOperationException($"setns {ns}: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int type);

    private static string Run(string file, string arguments, bool check = true)
    {
        using var p = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        string text = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        if (!p.WaitForExit(10_000))
        {
            p.Kill();
        }

        if (check && p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {arguments}: {text}");
        }

        return text;
    }
}
