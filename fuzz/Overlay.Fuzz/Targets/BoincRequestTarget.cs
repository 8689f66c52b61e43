using System.Net;
using System.Xml.Linq;
using Overlay.Demo.BoincServer;
using Overlay.Demo.BoincServer.Project;
using Overlay.Demo.BoincServer.Protocol;

namespace Overlay.Fuzz.Targets;

/// <summary>
/// A POST body to the demo's BOINC project server (tvd-boinc-server; any host that reaches its address sends it).
/// The first octet picks the URL: even, the scheduler (<c>SchedulerRequest.Parse</c>, then the reply acknowledging
/// every reported result); odd, the file upload handler (<c>UploadRequest.Parse</c>). Refusals are
/// <see cref="ProtocolException"/>s (what the server answers with an HTTP error); any other exception is a finding.
/// Oracles: the reply is well-formed XML that names exactly the reported results; an upload's data lies within the
/// body and its sizes are not negative; allocation ≤ 48 × input + 256 KiB.
/// </summary>
public sealed class BoincRequestTarget : FuzzTarget
{
    public const int AllocationPerByte = 48;
    public const int AllocationFixed = 256 * 1024;

    private static readonly ServerOptions Options = new() { Listen = IPEndPoint.Parse("10.99.0.1:80"), DataDir = "/nonexistent" };
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 10, 0, 0, TimeSpan.Zero);

    public override string Name => "boinc-request";

    public override string TestProject => "Overlay.Demo.BoincServer.Tests";

    public override string Description => "BOINC scheduler request or upload body (first octet picks): parse; reply well-formed and acks the results, upload data within the body, allocation bound";

    protected override void Execute(ReadOnlySpan<byte> input)
    {
        if (input.Length == 0)
        {
            return;
        }

        bool scheduler = input[0] % 2 == 0;
        var body = input[1..].ToArray();
        var start = Oracles.AllocatedBytes();
        try
        {
            if (scheduler)
            {
                var request = SchedulerRequest.Parse(body);
                Oracles.CheckAllocation("SchedulerRequest.Parse", start, body.Length, AllocationPerByte, AllocationFixed);
                var names = request.Results.Select(r => r.Name).ToList();
                var reply = XElement.Parse(System.Text.Encoding.UTF8.GetString(SchedulerReply.Write(Options, new SchedulerDecision([], names, Now))));
                Oracles.Check(reply.Elements("result_ack").Select(a => (string?)a.Element("name")).SequenceEqual(names),
                    "the reply does not acknowledge exactly the reported results");
            }
            else
            {
                var request = UploadRequest.Parse(body);
                Oracles.CheckAllocation("UploadRequest.Parse", start, body.Length, AllocationPerByte, AllocationFixed);
                Oracles.Check(request.Data.Length <= body.Length, "upload data longer than the body");
                Oracles.Check(request.Kind == UploadKind.FileSize || request.Nbytes >= 0 && request.Offset >= 0, "a negative upload size or offset");
                Oracles.Check(request.FileName.Length <= BoincXml.MaxValueLength, "a file name over the value bound");
            }
        }
        catch (ProtocolException)
        {
            Oracles.CheckAllocation("a refused BOINC request", start, body.Length, AllocationPerByte, AllocationFixed);
        }
    }

    public override IEnumerable<(string Name, byte[] Data)> Seeds(string repositoryRoot)
    {
        // What the real boinc-client 7.20.5 sent to this server (captured with tshark).
        string fixtures = Path.Combine(repositoryRoot, "tests", TestProject, "Fixtures");
        yield return ("scheduler-attach", [0, .. File.ReadAllBytes(Path.Combine(fixtures, "scheduler_request_attach.xml"))]);
        yield return ("scheduler-report", [0, .. File.ReadAllBytes(Path.Combine(fixtures, "scheduler_request_report.xml"))]);
        yield return ("upload", [1, .. File.ReadAllBytes(Path.Combine(fixtures, "upload_request.bin"))]);
        yield return ("get-file-size", [1, .. "<data_server_request>\n    <core_client_major_version>7</core_client_major_version>\n    <get_file_size>wu_1_0_out</get_file_size>\n</data_server_request>\n"u8]);
    }
}
