using System.Net.Sockets;
using Overlay.Cli.Capture;
using Overlay.Common.Capture;

namespace Overlay.Cli.Tests.Capture;

/// <summary>The capture stream as tvdctl reads it: the header line, then records however the socket splits them.</summary>
public sealed class CaptureStreamReaderTests
{
    [Fact]
    public async Task The_header_line_then_records_split_at_every_octet()
    {
        byte[] name = Record(CaptureRecordType.EndpointName, [1, 0, 0, 0, 3, .. "h1red"u8]);
        byte[] summary = Record(CaptureRecordType.Summary, [.. """{"summary":{"frames":0}}"""u8]);
        byte[] stream = [.. """{"ok":true,"capture":{}}"""u8, (byte)'\n', .. name, .. summary];
        (Socket writer, Socket reader) = Pair();
        using (writer)
        using (reader)
        {
            Task send = Task.Run(async () =>
            {
                foreach (byte octet in stream)
                {
                    await writer.SendAsync(new[] { octet }, SocketFlags.None);
                }

                writer.Shutdown(SocketShutdown.Send);
            });
            var capture = new CaptureStreamReader(reader);
            Assert.Equal("""{"ok":true,"capture":{}}"""u8.ToArray(), (await capture.ReadLineAsync(CancellationToken.None))!.Value.ToArray());
            CaptureRecord first = (await capture.ReadRecordAsync(CancellationToken.None))!.Value;
            Assert.Equal(CaptureRecordType.EndpointName, first.Type);
            Assert.True(CaptureEndpointName.TryParse(first.Body.Span, out CaptureEndpointName endpoint));
            Assert.Equal((new CaptureEndpointRef(CaptureEndpointKind.Port, 3), "h1red"), (endpoint.Endpoint, endpoint.Name));
            CaptureRecord second = (await capture.ReadRecordAsync(CancellationToken.None))!.Value;
            Assert.Equal((CaptureRecordType.Summary, summary.Length - 4), (second.Type, second.Body.Length));
            Assert.Null(await capture.ReadRecordAsync(CancellationToken.None));
            await send;
        }
    }

    [Theory]
    [InlineData("0700000100", "not as documented")] // an unknown record type
    [InlineData("0101000100", "not as documented")] // the reserved octet set
    [InlineData("0100", "ended inside a record header")]
    [InlineData("0300000500", "ended inside a Summary record (5 of 9 octets)")]
    public async Task A_broken_record_is_an_error(string hex, string message)
    {
        (Socket writer, Socket reader) = Pair();
        using (writer)
        using (reader)
        {
            writer.Send(Convert.FromHexString(hex));
            writer.Shutdown(SocketShutdown.Send);
            var error = await Assert.ThrowsAsync<InvalidDataException>(() => new CaptureStreamReader(reader).ReadRecordAsync(CancellationToken.None));
            Assert.True(error.Message.Contains(message, StringComparison.Ordinal), error.Message);
        }
    }

    [Fact]
    public async Task The_largest_record_fits_and_a_line_that_never_ends_is_refused()
    {
        byte[] largest = Record(CaptureRecordType.Summary, new byte[CaptureRecordHeader.MaxBodyLength]);
        (Socket writer, Socket reader) = Pair();
        using (writer)
        using (reader)
        {
            Task send = Task.Run(() =>
            {
                writer.Send(largest);
                writer.Send(largest);
                writer.Send(new byte[CaptureStreamReader.MaxLineBytes + 1]);
                writer.Shutdown(SocketShutdown.Send);
            });
            var capture = new CaptureStreamReader(reader);
            Assert.Equal(CaptureRecordHeader.MaxBodyLength, (await capture.ReadRecordAsync(CancellationToken.None))!.Value.Body.Length);
            Assert.Equal(CaptureRecordHeader.MaxBodyLength, (await capture.ReadRecordAsync(CancellationToken.None))!.Value.Body.Length);
            await Assert.ThrowsAsync<InvalidDataException>(() => capture.ReadLineAsync(CancellationToken.None));
            await send;
        }
    }

    private static byte[] Record(CaptureRecordType type, byte[] body)
    {
        byte[] record = new byte[CaptureRecordHeader.Length + body.Length];
        new CaptureRecordHeader(type, body.Length).Write(record);
        body.CopyTo(record, CaptureRecordHeader.Length);
        return record;
    }

    private static (Socket Writer, Socket Reader) Pair()
    {
        Socket[] pair = [new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified), null!];
        string path = Path.Combine(Path.GetTempPath(), $"capture-reader-{Guid.NewGuid():N}.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        pair[0].Connect(new UnixDomainSocketEndPoint(path));
        pair[1] = listener.Accept();
        File.Delete(path);
        return (pair[0], pair[1]);
    }
}
