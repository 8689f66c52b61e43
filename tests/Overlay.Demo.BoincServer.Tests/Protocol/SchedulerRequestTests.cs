using System.Text;
using Overlay.Demo.BoincServer.Protocol;

namespace Overlay.Demo.BoincServer.Tests.Protocol;

public sealed class SchedulerRequestTests
{
    [Fact]
    public void The_real_clients_first_request_asks_for_work_as_an_anonymous_platform()
    {
        var request = SchedulerRequest.Parse(TestFiles.Fixture("scheduler_request_attach.xml"));
        Assert.Equal("0123456789abcdef0123456789abcdef", request.Authenticator);
        Assert.Equal(0, request.HostId);
        Assert.Equal("anonymous", request.Platform);
        Assert.Equal("7.20.5", request.ClientVersion);
        Assert.True(request.WantsWork);
        Assert.Empty(request.Results);
        Assert.True(request.HasOtherResults);
        Assert.Empty(request.OtherResults);
    }

    [Fact]
    public void The_real_clients_report_names_the_result_its_exit_status_and_state()
    {
        var request = SchedulerRequest.Parse(TestFiles.Fixture("scheduler_request_report.xml"));
        Assert.Equal(1, request.HostId);
        var result = Assert.Single(request.Results);
        Assert.Equal(new ReportedResult("wu_1_0", 0, SchedulerRequest.StateFilesUploaded), result);
    }

    [Fact]
    public void Results_in_progress_are_listed_apart_from_reported_ones()
    {
        var request = Parse("""
            <scheduler_request><hostid>1</hostid>
            <result><name>wu_2_0</name><exit_status>-1</exit_status><state>3</state>
              <file_info><name>wu_2_0_out</name></file_info></result>
            <other_results><other_result><name>wu_1_0</name><app_version>0</app_version></other_result></other_results>
            </scheduler_request>
            """);
        Assert.Equal(new ReportedResult("wu_2_0", -1, 3), Assert.Single(request.Results));
        Assert.Equal(["wu_1_0"], request.OtherResults);
        Assert.False(request.WantsWork);
    }

    [Theory]
    [InlineData("<scheduler_request><hostid>1</hostid>", "malformed XML")]
    [InlineData("", "malformed XML")]
    [InlineData("not xml at all", "malformed XML")]
    [InlineData("<scheduler_reply></scheduler_reply>", "not a <scheduler_request>")]
    [InlineData("<scheduler_request><hostid>one</hostid></scheduler_request>", "<hostid> is not an integer")]
    [InlineData("<scheduler_request><hostid><x/></hostid></scheduler_request>", "malformed XML")]
    [InlineData("<scheduler_request><work_req_seconds>NaN</work_req_seconds></scheduler_request>", "<work_req_seconds> is not a number")]
    [InlineData("<scheduler_request><result><exit_status>0</exit_status></result></scheduler_request>", "a reported <result> has no <name>")]
    [InlineData("<scheduler_request><result/></scheduler_request>", "a reported <result> has no <name>")]
    [InlineData("<scheduler_request><a>1</a></b></scheduler_request>", "malformed XML")]
    public void Malformed_requests_are_refused_with_the_reason(string body, string expected)
    {
        var refusal = Assert.Throws<ProtocolException>(() => Parse(body));
        Assert.Equal(RejectReason.MalformedXml, refusal.Reason);
        Assert.Contains(expected, refusal.Message);
    }

    [Fact]
    public void A_dtd_is_refused_so_no_entity_is_expanded()
    {
        string laughs = """
            <?xml version="1.0"?>
            <!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
            <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
            <scheduler_request><authenticator>&lol3;</authenticator></scheduler_request>
            """;
        var refusal = Assert.Throws<ProtocolException>(() => Parse(laughs));
        Assert.Equal(RejectReason.MalformedXml, refusal.Reason);
        Assert.Contains("DTD", refusal.Message);
    }

    [Fact]
    public void An_external_entity_is_never_read()
    {
        string xxe = """<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><scheduler_request><authenticator>&x;</authenticator></scheduler_request>""";
        Assert.Equal(RejectReason.MalformedXml, Assert.Throws<ProtocolException>(() => Parse(xxe)).Reason);
    }

    [Fact]
    public void Nesting_deeper_than_the_bound_is_refused()
    {
        int depth = BoincXml.MaxDepth + 2;
        string body = "<scheduler_request>" + string.Concat(Enumerable.Repeat("<a>", depth)) + string.Concat(Enumerable.Repeat("</a>", depth)) + "</scheduler_request>";
        var refusal = Assert.Throws<ProtocolException>(() => Parse(body));
        Assert.Contains($"nested deeper than {BoincXml.MaxDepth}", refusal.Message);
    }

    [Fact]
    public void A_value_longer_than_the_bound_is_refused()
    {
        string body = $"<scheduler_request><authenticator>{new string('a', BoincXml.MaxValueLength + 1)}</authenticator></scheduler_request>";
        Assert.Contains("longer than", Assert.Throws<ProtocolException>(() => Parse(body)).Message);
    }

    [Fact]
    public void More_reported_results_than_the_bound_are_refused_as_too_large()
    {
        var body = new StringBuilder("<scheduler_request>");
        for (int i = 0; i <= SchedulerRequest.MaxResults; i++)
        {
            body.Append($"<result><name>r{i}</name></result>");
        }

        body.Append("</scheduler_request>");
        Assert.Equal(RejectReason.TooLarge, Assert.Throws<ProtocolException>(() => Parse(body.ToString())).Reason);
    }

    [Fact]
    public void Invalid_utf8_is_malformed_not_a_crash()
    {
        byte[] body = [.. "<scheduler_request><authenticator>"u8, 0xff, 0xfe, .. "</authenticator></scheduler_request>"u8];
        Assert.Equal(RejectReason.MalformedXml, Assert.Throws<ProtocolException>(() => SchedulerRequest.Parse(body)).Reason);
    }

    private static SchedulerRequest Parse(string body) => SchedulerRequest.Parse(Encoding.UTF8.GetBytes(body));
}
