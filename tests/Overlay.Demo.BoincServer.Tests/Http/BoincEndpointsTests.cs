using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Overlay.Demo.BoincServer.Http;
using Overlay.Demo.BoincServer.Protocol;

namespace Overlay.Demo.BoincServer.Tests.Http;

/// <summary>The server over real HTTP on the loopback: each bad request is refused with its status and counted, and the server keeps serving.</summary>
public sealed class BoincEndpointsTests : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private readonly StringWriter _log = new();
    private BoincServer? _server;
    private HttpClient _http = new();
    private string _base = "";

    public async Task InitializeAsync()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var options = new ServerOptions { Listen = new IPEndPoint(IPAddress.Loopback, port), DataDir = _dir.Path, Units = 1, Rounds = 3 };
        _server = await BoincServer.StartAsync(options, TextWriter.Synchronized(_log), TimeProvider.System, CancellationToken.None);
        _base = options.MasterUrl;
        _http = new HttpClient { BaseAddress = new Uri(_base), Timeout = TimeSpan.FromSeconds(20) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _dir.Dispose();
    }

    [Fact]
    public async Task The_master_page_names_the_scheduler_and_is_logged()
    {
        string page = await _http.GetStringAsync("/");
        Assert.Contains($"<link rel=\"boinc_scheduler\" href=\"{_base}cgi-bin/cgi\">", page);
        Assert.Contains("master page to 127.0.0.1", _log.ToString());
        using var status = JsonDocument.Parse(await _http.GetStringAsync("/status.json"));
        var client = status.RootElement.GetProperty("clients")[0];
        Assert.Equal("127.0.0.1", client.GetProperty("address").GetString());
        Assert.Equal(2, client.GetProperty("requests").GetInt32());
    }

    [Fact]
    public async Task Malformed_xml_is_a_400_with_the_reason_and_a_counted_reject()
    {
        var response = await _http.PostAsync("/cgi-bin/cgi", new StringContent("<scheduler_request><hostid>"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("malformed XML", await response.Content.ReadAsStringAsync());
        Assert.Equal(1, await Rejects("malformed_xml"));
    }

    [Fact]
    public async Task An_oversized_scheduler_body_is_a_413_without_reading_it_all()
    {
        var response = await _http.PostAsync("/cgi-bin/cgi", new ByteArrayContent(new byte[BoincEndpoints.MaxSchedulerBody + 1]));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(1, await Rejects("too_large"));
    }

    [Fact]
    public async Task An_oversized_body_without_a_length_is_cut_at_the_bound()
    {
        // Chunked: no Content-Length to refuse up front; the server stops reading past the upload bound.
        var content = new StreamContent(new MemoryStream(new byte[BoincEndpoints.MaxUploadBody * 4]));
        var request = new HttpRequestMessage(HttpMethod.Post, "/cgi-bin/file_upload_handler") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        var response = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(1, await Rejects("too_large"));
    }

    [Theory]
    [InlineData("/download/..%2F..%2Fetc%2Fpasswd", HttpStatusCode.BadRequest, "bad_file_name")]
    [InlineData("/download/a%20b", HttpStatusCode.BadRequest, "bad_file_name")]
    [InlineData("/download/wu_9_in", HttpStatusCode.NotFound, "unknown_file")]
    [InlineData("/etc/passwd", HttpStatusCode.NotFound, "not_found")]
    [InlineData("/cgi-bin/cgi", HttpStatusCode.MethodNotAllowed, "method_not_allowed")]
    public async Task Bad_urls_are_refused_and_counted(string path, HttpStatusCode status, string reason)
    {
        var response = await _http.GetAsync(path);
        Assert.Equal(status, response.StatusCode);
        Assert.Equal(1, await Rejects(reason));
    }

    [Theory]
    [InlineData("/download/../../etc/passwd")]
    [InlineData("/download/..%2f..%2fetc%2fpasswd")]
    [InlineData("/download/%2e%2e/%2e%2e/etc/passwd")]
    [InlineData("/download//etc/passwd")]
    public async Task A_path_out_of_the_download_directory_never_serves_a_file(string rawPath)
    {
        // Raw bytes on a socket: HttpClient would resolve the dot segments before sending.
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, new Uri(_base).Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {rawPath} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
        string response = await new StreamReader(stream).ReadToEndAsync();
        Assert.Matches("^HTTP/1.1 4(00|04) ", response);
        Assert.DoesNotContain("root:", response);
        using var status = JsonDocument.Parse(await _http.GetStringAsync("/status.json"));
        Assert.Equal(1, status.RootElement.GetProperty("rejects").GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task A_url_cannot_forge_a_log_line()
    {
        var response = await _http.GetAsync("/x%0a2026-12-06T10:00:00.000Z%20all%20work%20units%20valid");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain("\n2026-12-06T10:00:00.000Z all work units valid", _log.ToString());
        Assert.True(_log.ToString().Contains("reject GET /x?2026-12-06T10:00:00.000Z all work uni... from 127.0.0.1: not_found", StringComparison.Ordinal), _log.ToString());
    }

    [Fact]
    public async Task An_input_file_is_served_by_its_name()
    {
        byte[] input = await _http.GetByteArrayAsync("/download/wu_1_in");
        Assert.StartsWith("3\n", Encoding.ASCII.GetString(input));
        Assert.Contains("download wu_1_in (", _log.ToString());
    }

    [Fact]
    public async Task An_upload_error_is_a_data_server_reply_with_status_minus_1()
    {
        byte[] body = [.. Protocol.UploadRequestTests.Header("wu_1_0_out", 3, 0), .. "abc"u8];
        var response = await _http.PostAsync("/cgi-bin/file_upload_handler", new ByteArrayContent(body));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode); // the result was never sent
        string reply = await response.Content.ReadAsStringAsync();
        Assert.Contains("<status>-1</status>", reply);
        Assert.Contains("not the output file of a result this server sent", reply);
        Assert.Equal(1, await Rejects("unknown_file"));
    }

    [Fact]
    public async Task A_whole_exchange_over_http_ends_valid()
    {
        string request = """
            <scheduler_request><hostid>0</hostid><platform_name>anonymous</platform_name>
            <work_req_seconds>10</work_req_seconds><other_results></other_results></scheduler_request>
            """;
        string reply = await (await _http.PostAsync("/cgi-bin/cgi", new StringContent(request))).Content.ReadAsStringAsync();
        Assert.Contains("<name>wu_1_0</name>", reply);

        byte[] input = await _http.GetByteArrayAsync("/download/wu_1_in");
        string[] lines = Encoding.ASCII.GetString(input).Split('\n');
        byte[] output = Encoding.ASCII.GetBytes($"3 {Overlay.Demo.BoincServer.Project.HashChain.Compute(lines[1], 3)}\n");
        byte[] upload = [.. Protocol.UploadRequestTests.Header("wu_1_0_out", output.Length, 0, UploadRequest.Md5Hex(output)), .. output];
        var uploaded = await _http.PostAsync("/cgi-bin/file_upload_handler", new ByteArrayContent(upload));
        Assert.Equal(HttpStatusCode.OK, uploaded.StatusCode);
        Assert.Contains("<status>0</status>", await uploaded.Content.ReadAsStringAsync());

        string report = """
            <scheduler_request><hostid>1</hostid><result><name>wu_1_0</name><exit_status>0</exit_status><state>5</state></result>
            <other_results></other_results></scheduler_request>
            """;
        string ack = await (await _http.PostAsync("/cgi-bin/cgi", new StringContent(report))).Content.ReadAsStringAsync();
        Assert.Contains("<result_ack>", ack);

        using var status = JsonDocument.Parse(await _http.GetStringAsync("/status.json"));
        Assert.True(status.RootElement.GetProperty("allValid").GetBoolean());
        Assert.Equal(0, status.RootElement.GetProperty("rejects").GetProperty("total").GetInt32());
    }

    private async Task<int> Rejects(string reason)
    {
        using var status = JsonDocument.Parse(await _http.GetStringAsync("/status.json"));
        return status.RootElement.GetProperty("rejects").GetProperty(reason).GetInt32();
    }
}
