using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Overlay.Demo.BoincServer.Project;
using Overlay.Demo.BoincServer.Protocol;
using Overlay.Demo.BoincServer.Tests.Protocol;

namespace Overlay.Demo.BoincServer.Tests.Project;

public sealed class ProjectStateTests : IDisposable
{
    private const string Client = "10.99.0.2";
    private readonly TempDir _dir = new();
    private readonly StringWriter _log = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 6, 10, 0, 0, TimeSpan.Zero));
    private readonly ProjectState _project;

    public ProjectStateTests()
    {
        var options = new ServerOptions
        {
            Listen = IPEndPoint.Parse("10.99.0.1:80"),
            DataDir = _dir.Path,
            Units = 2,
            Rounds = 5,
            StatusFile = Path.Combine(_dir.Path, "status.json"),
        };
        _project = new ProjectState(options, _time, new ServerLog(_log, _time));
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Inputs_are_written_for_every_unit_with_fresh_seeds()
    {
        Assert.Equal(2, _project.Units.Count);
        Assert.NotEqual(_project.Units[0].Seed, _project.Units[1].Seed);
        foreach (var unit in _project.Units)
        {
            Assert.Equal(unit.Input, File.ReadAllBytes(Path.Combine(_dir.Path, "download", unit.InputName)));
            Assert.Equal("unsent", unit.State);
        }
    }

    [Fact]
    public void A_unit_goes_sent_uploaded_reported_valid()
    {
        var decision = _project.Schedule(Request(wantsWork: true), Client);
        Assert.Equal(["wu_1", "wu_2"], decision.Send.Select(u => u.Name));
        Assert.All(_project.Units, u => Assert.Equal(Client, u.SentTo));

        foreach (var unit in _project.Units)
        {
            Assert.Equal(67, _project.Upload(Upload(unit.OutputName, CorrectOutput(unit)), Client));
            Assert.Equal("uploaded", unit.State);
        }

        _time.Advance(TimeSpan.FromSeconds(5));
        var report = _project.Schedule(Request(results: [new("wu_1_0", 0, 5), new("wu_2_0", 0, 5)]), Client);
        Assert.Equal(["wu_1_0", "wu_2_0"], report.Acks);
        Assert.Empty(report.Send);
        Assert.All(_project.Units, u => Assert.Equal("valid", u.State));
        Assert.True(_project.AllValid);

        string log = _log.ToString();
        Assert.Contains("scheduler RPC from 10.99.0.2 (hostid 0): sent wu_1, wu_2", log);
        Assert.Contains("upload wu_1_0 out.txt (wu_1_0_out) 67 bytes from 10.99.0.2: the hash chain checks out", log);
        Assert.Contains("result wu_2_0 reported: valid", log);
        Assert.Contains("all work units valid (2/2)", log);

        using var status = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(_dir.Path, "status.json")));
        var root = status.RootElement;
        Assert.True(root.GetProperty("allValid").GetBoolean());
        Assert.Equal(2, root.GetProperty("counts").GetProperty("valid").GetInt32());
        Assert.Equal(0, root.GetProperty("rejects").GetProperty("total").GetInt32());
        var unit1 = root.GetProperty("units")[0];
        Assert.Equal("valid", unit1.GetProperty("state").GetString());
        Assert.Equal(67, unit1.GetProperty("uploadedBytes").GetInt32());
        Assert.Equal("2026-12-06T10:00:05.000Z", unit1.GetProperty("reportedAt").GetString());
        Assert.Equal(Client, unit1.GetProperty("sentTo").GetString());
    }

    [Fact]
    public void A_wrong_output_or_a_failed_task_is_invalid_with_the_reason()
    {
        _project.Schedule(Request(wantsWork: true), Client);
        var unit1 = _project.Units[0];
        _project.Upload(Upload(unit1.OutputName, Encoding.ASCII.GetBytes($"5 {new string('0', 64)}\n")), Client);
        _project.Schedule(Request(results: [new("wu_1_0", 0, 5), new("wu_2_0", 193, 3)]), Client);
        Assert.Equal("invalid", unit1.State);
        Assert.Equal("hash differs from the recomputed chain", unit1.Reason);
        Assert.Equal("the task exited with status 193", _project.Units[1].Reason);
        Assert.False(_project.AllValid);
        Assert.Contains("result wu_1_0 reported: invalid (hash differs from the recomputed chain)", _log.ToString());
    }

    [Fact]
    public void A_report_without_an_upload_is_invalid()
    {
        _project.Schedule(Request(wantsWork: true), Client);
        _project.Schedule(Request(results: [new("wu_1_0", 0, 5)]), Client);
        Assert.Equal("no output was uploaded", _project.Units[0].Reason);
    }

    [Fact]
    public void An_unknown_result_refuses_the_whole_request_and_changes_nothing()
    {
        _project.Schedule(Request(wantsWork: true), Client);
        var refusal = Assert.Throws<ProtocolException>(() => _project.Schedule(Request(results: [new("wu_1_0", 0, 5), new("wu_9_0", 0, 5)]), Client));
        Assert.Equal(RejectReason.UnknownResult, refusal.Reason);
        Assert.Contains("wu_9_0", refusal.Message);
        Assert.Null(_project.Units[0].ReportedAt);
    }

    [Fact]
    public void A_result_never_sent_is_unknown()
    {
        Assert.Equal(RejectReason.UnknownResult, Assert.Throws<ProtocolException>(() => _project.Schedule(Request(results: [new("wu_1_0", 0, 5)]), Client)).Reason);
    }

    [Fact]
    public void A_second_report_is_acked_again_and_changes_nothing()
    {
        _project.Schedule(Request(wantsWork: true), Client);
        _project.Upload(Upload("wu_1_0_out", CorrectOutput(_project.Units[0])), Client);
        _project.Schedule(Request(results: [new("wu_1_0", 0, 5)]), Client);
        var again = _project.Schedule(Request(results: [new("wu_1_0", 1, 3)]), Client);
        Assert.Equal(["wu_1_0"], again.Acks);
        Assert.Equal("valid", _project.Units[0].State);
        Assert.Contains("result wu_1_0 reported again (already valid)", _log.ToString());
    }

    [Fact]
    public void No_work_is_sent_unless_asked()
    {
        Assert.Empty(_project.Schedule(Request(wantsWork: false), Client).Send);
        Assert.All(_project.Units, u => Assert.Equal("unsent", u.State));
    }

    [Fact]
    public void A_result_the_client_no_longer_holds_is_sent_again()
    {
        _project.Schedule(Request(wantsWork: true), Client);
        var decision = _project.Schedule(Request(inProgress: ["wu_2_0"]), Client);
        Assert.Equal("wu_1", Assert.Single(decision.Send).Name);
        Assert.Equal(1, _project.Units[0].Resent);
        Assert.Contains("result wu_1_0 lost by 10.99.0.2 (not in its tasks in progress): sent again", _log.ToString());
        Assert.Empty(_project.Schedule(Request(inProgress: ["wu_1_0", "wu_2_0"]), Client).Send);
    }

    [Fact]
    public void Uploads_are_checked_against_what_was_sent()
    {
        byte[] output = CorrectOutput(_project.Units[0]);
        Assert.Equal(RejectReason.UnknownFile, Refused(Upload("wu_1_0_out", output)));  // not sent yet
        _project.Schedule(Request(wantsWork: true), Client);
        Assert.Equal(RejectReason.UnknownFile, Refused(Upload("wu_1_in", output)));
        Assert.Equal(RejectReason.BadFileName, Refused(Upload("..", output)));
        Assert.Equal(RejectReason.BadUpload, Refused(Upload("wu_1_0_out", output, md5: new string('0', 32))));
        Assert.Equal(RejectReason.BadUpload, Refused(Upload("wu_1_0_out", output, offset: 3)));
        Assert.Equal(RejectReason.BadUpload, Refused(ParseBytes([.. UploadRequestTests.Header("wu_1_0_out", 100, 0), .. output])));
        Assert.Equal(RejectReason.TooLarge, Refused(Upload("wu_1_0_out", new byte[HashChain.MaxOutputBytes + 1])));
        Assert.Null(_project.Units[0].UploadedAt);
        Assert.False(File.Exists(Path.Combine(_dir.Path, "upload", "wu_1_0_out")));
    }

    [Fact]
    public void An_upload_resumes_at_the_offset_the_size_query_answered()
    {
        _project.Schedule(Request(wantsWork: true), Client);
        byte[] output = CorrectOutput(_project.Units[0]);
        string md5 = UploadRequest.Md5Hex(output);
        Assert.Equal(0, _project.Upload(UploadRequest.Parse("<data_server_request><get_file_size>wu_1_0_out</get_file_size></data_server_request>"u8.ToArray()), Client));
        _project.Upload(ParseBytes([.. UploadRequestTests.Header("wu_1_0_out", 10, 0), .. output.AsSpan(0, 10)]), Client);
        Assert.Equal(10, _project.Upload(UploadRequest.Parse("<data_server_request><get_file_size>wu_1_0_out</get_file_size></data_server_request>"u8.ToArray()), Client));
        Assert.Equal(output.Length, _project.Upload(ParseBytes([.. UploadRequestTests.Header("wu_1_0_out", output.Length, 10, md5), .. output.AsSpan(10)]), Client));
        Assert.Null(_project.Units[0].UploadProblem);
        Assert.Equal(output, File.ReadAllBytes(Path.Combine(_dir.Path, "upload", "wu_1_0_out")));
    }

    [Fact]
    public void Rejects_are_counted_per_reason_in_the_status()
    {
        _project.Reject(Client, "POST /cgi-bin/cgi", new ProtocolException(RejectReason.MalformedXml, "malformed XML: x"));
        _project.Reject(Client, "GET /x", new ProtocolException(RejectReason.NotFound, "no such URL"));
        using var status = JsonDocument.Parse(_project.StatusJson());
        var rejects = status.RootElement.GetProperty("rejects");
        Assert.Equal(2, rejects.GetProperty("total").GetInt32());
        Assert.Equal(1, rejects.GetProperty("malformed_xml").GetInt32());
        Assert.Equal(1, rejects.GetProperty("not_found").GetInt32());
        Assert.Contains("reject POST /cgi-bin/cgi from 10.99.0.2: malformed_xml: malformed XML: x", _log.ToString());
    }

    [Fact]
    public void Client_addresses_are_remembered_up_to_the_bound()
    {
        for (int i = 0; i < ProjectState.MaxClients + 10; i++)
        {
            _project.Seen($"10.0.{i / 256}.{i % 256}", "master");
        }

        using var status = JsonDocument.Parse(_project.StatusJson());
        Assert.Equal(ProjectState.MaxClients, status.RootElement.GetProperty("clients").GetArrayLength());
        Assert.Equal(10, status.RootElement.GetProperty("otherClientRequests").GetInt32());
    }

    private RejectReason Refused(UploadRequest request) => Assert.Throws<ProtocolException>(() => _project.Upload(request, Client)).Reason;

    private static UploadRequest ParseBytes(byte[] body) => UploadRequest.Parse(body);

    private static byte[] CorrectOutput(WorkUnit unit) => Encoding.ASCII.GetBytes($"{unit.Rounds} {HashChain.Compute(unit.Seed, unit.Rounds)}\n");

    private static UploadRequest Upload(string name, byte[] output, long offset = 0, string? md5 = null) =>
        ParseBytes([.. UploadRequestTests.Header(name, output.Length, offset, md5 ?? UploadRequest.Md5Hex(output)), .. output]);

    private static SchedulerRequest Request(bool wantsWork = false, ReportedResult[]? results = null, string[]? inProgress = null)
    {
        var body = new StringBuilder("<scheduler_request><hostid>0</hostid>");
        body.Append(wantsWork ? "<work_req_seconds>100</work_req_seconds>" : "<work_req_seconds>0</work_req_seconds>");
        foreach (var r in results ?? [])
        {
            body.Append($"<result><name>{r.Name}</name><exit_status>{r.ExitStatus}</exit_status><state>{r.State}</state></result>");
        }

        if (inProgress is not null)
        {
            body.Append("<other_results>");
            foreach (string name in inProgress)
            {
                body.Append($"<other_result><name>{name}</name></other_result>");
            }

            body.Append("</other_results>");
        }

        return SchedulerRequest.Parse(Encoding.UTF8.GetBytes(body.Append("</scheduler_request>").ToString()));
    }
}
