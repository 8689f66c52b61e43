using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Overlay.Daemon.IkeHost;
using Overlay.Ike;
using Overlay.Ike.Crypto;
using Overlay.Ike.Crypto.KeyExchange;
using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Encoding.Payloads;
using Overlay.Ike.Sa;

namespace Overlay.IkeBench;

/// <summary>
/// <c>tvd-ikebench storm --spoof-random-sources PREFIX[,PREFIX...]</c>: IKE_SA_INIT requests whose IPv4 source
/// address is forged — each one drawn at random from a random one of the prefixes — sent through a raw socket
/// (IPPROTO_RAW: we write the IP and UDP headers; the kernel fills in the IP checksum). What an off-path attacker
/// can do to a responder: the answers go to the forged addresses, never back here. <c>--malformed-fraction F</c>
/// of them lack their Ni payload (RFC 7296 §1.2 requires it). Each request has a fresh random SPIi; KE and nonce
/// come from a few requests built by our own IKE_SA_INIT task. Needs root (CAP_NET_RAW). Sends --count requests at
/// --half-open-rate per second, for at most --seconds; prints <c>spoof {json}</c>.
/// </summary>
public static class SpoofedFlood
{
    private const int IpHeaderLength = 20;
    private const int UdpHeaderLength = 8;
    private const int Templates = 16;

    public static async Task<int> RunAsync(BenchOptions options, TextWriter output)
    {
        var target = options.Peer;
        if (target.AddressFamily != AddressFamily.InterNetwork)
        {
            throw new ArgumentException("--spoof-random-sources: IPv4 targets only");
        }

        var prefixes = options.SpoofPrefixes;
        var (valid, malformed) = BuildTemplates(options, target);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Raw); // IPPROTO_RAW: IP_HDRINCL
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine($"# spoof: {options.SpoofCount.ToString(inv)} IKE_SA_INITs -> {target} from random addresses in "
            + $"{string.Join(',', prefixes.Select(p => $"{p.Network}/{p.Length}"))}, {options.MalformedFraction.ToString(inv)} without Ni, "
            + $"{options.HalfOpenRate.ToString(inv)}/s");
        await output.FlushAsync().ConfigureAwait(false);

        var bucket = new TokenBucket(options.HalfOpenRate, burst: TokenBucket.QuarterSecondOf(options.HalfOpenRate));
        var start = Stopwatch.GetTimestamp();
        var deadline = start + (long)(options.StormTime.TotalSeconds * Stopwatch.Frequency);
        var packet = new byte[IpHeaderLength + UdpHeaderLength + valid.Max(t => t.Length)];
        var sources = new HashSet<uint>();
        long sent = 0, sentMalformed = 0, errors = 0;
        var destination = new IPEndPoint(target.Address, 0);
        while (sent + errors < options.SpoofCount && await bucket.TakeAsync(deadline).ConfigureAwait(false))
        {
            var bad = RandomNumberGenerator.GetInt32(1_000_000) < options.MalformedFraction * 1_000_000;
            var templates = bad ? malformed : valid;
            var ike = templates[RandomNumberGenerator.GetInt32(templates.Length)];
            var source = RandomAddress(prefixes[RandomNumberGenerator.GetInt32(prefixes.Count)]);
            var length = Write(packet, source, target, ike);
            try
            {
                socket.SendTo(packet.AsSpan(0, length), SocketFlags.None, destination);
                sent++;
                sentMalformed += bad ? 1 : 0;
                sources.Add(source);
            }
            catch (SocketException)
            {
                errors++;
            }
        }

        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        output.WriteLine("spoof " + System.Text.Json.JsonSerializer.Serialize(new
        {
            sent,
            malformed = sentMalformed,
            errors,
            distinct_sources = sources.Count,
            seconds = Math.Round(seconds, 2),
            per_second = Math.Round(sent / Math.Max(seconds, 1e-3), 1),
        }));
        return errors == 0 ? 0 : 1;
    }

    /// <summary>A few valid IKE_SA_INIT requests (our own initiator's, as it would send them) and the same without Ni.</summary>
    private static (byte[][] Valid, byte[][] Malformed) BuildTemplates(BenchOptions options, IPEndPoint target)
    {
        var capture = new CapturingSender();
        var services = new IkeSaServices(SystemIkeRandom.Instance, KeyExchangeFactory.Instance, new RedOnlyPolicy(), new CountingSink(), capture,
            TimeProvider.System, RetransmitPolicy.Default);
        var local = new IPEndPoint(IPAddress.Any, IkeConstants.IkePort);
        var valid = new byte[Templates][];
        var malformed = new byte[Templates][];
        for (var i = 0; i < Templates; i++)
        {
            using var sa = new IkeSa(BenchConfig.Ike(options), isOriginalInitiator: true, services, local, target);
            sa.Initiate(child: null);
            valid[i] = capture.Last ?? throw new InvalidOperationException("IKE_SA_INIT was not built");
            if (!IkeMessage.TryParse(valid[i], out var m, out var error))
            {
                throw new InvalidOperationException($"our own IKE_SA_INIT does not parse: {error}");
            }

            malformed[i] = new IkeMessage(m.Header, [.. m.Payloads.Where(p => p is not NoncePayload)]).ToArray();
        }

        return (valid, malformed);
    }

    /// <summary>IPv4 header (RFC 791) + UDP header (RFC 768, checksum 0: none) + the IKE message with a fresh SPIi.</summary>
    private static int Write(byte[] packet, uint source, IPEndPoint target, byte[] ike)
    {
        var total = IpHeaderLength + UdpHeaderLength + ike.Length;
        var ip = packet.AsSpan(0, IpHeaderLength);
        ip.Clear();
        ip[0] = 0x45;                                                   // version 4, IHL 5
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)total); // total length (the kernel fills it in too)
        ip[8] = 64;                                                     // TTL
        ip[9] = (byte)ProtocolType.Udp;
        BinaryPrimitives.WriteUInt32BigEndian(ip[12..], source);      // id and checksum 0: the kernel fills them in
        target.Address.TryWriteBytes(ip[16..], out _);
        var udp = packet.AsSpan(IpHeaderLength, UdpHeaderLength);
        BinaryPrimitives.WriteUInt16BigEndian(udp, IkeConstants.IkePort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], (ushort)target.Port);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)(UdpHeaderLength + ike.Length));
        BinaryPrimitives.WriteUInt16BigEndian(udp[6..], 0);
        var message = packet.AsSpan(IpHeaderLength + UdpHeaderLength, ike.Length);
        ike.CopyTo(message);
        RandomNumberGenerator.Fill(message[..8]); // SPIi (RFC 7296 §3.1): every request a new half-open SA
        return total;
    }

    private static uint RandomAddress((IPAddress Network, int Length) prefix)
    {
        var network = BinaryPrimitives.ReadUInt32BigEndian(prefix.Network.GetAddressBytes());
        var hostBits = 32 - prefix.Length;
        var host = hostBits == 0 ? 0u : (uint)(RandomNumberGenerator.GetInt32(int.MaxValue) & (uint)((1L << hostBits) - 1));
        return (network & (hostBits == 32 ? 0u : ~0u << hostBits)) | host;
    }

    private sealed class CapturingSender : IIkeSender
    {
        public byte[]? Last { get; private set; }

        public void Send(ReadOnlySpan<byte> ikeMessage, IPEndPoint local, IPEndPoint remote) => Last = ikeMessage.ToArray();
    }
}
