using System.Net;
using System.Text;
using System.Xml.Linq;
using Overlay.Demo.BoincServer.Project;
using Overlay.Demo.BoincServer.Protocol;

namespace Overlay.Demo.BoincServer.Tests.Protocol;

public sealed class SchedulerReplyTests
{
    private static readonly ServerOptions Options = new() { Listen = IPEndPoint.Parse("10.99.0.1:80"), DataDir = "/nonexistent", NextRpcDelay = 5 };
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_unit_is_sent_with_its_input_output_workunit_and_result()
    {
        var unit = new WorkUnit(1, 50, "a0649e2ad09f589b482be6c45d0b9c2d");
        var reply = XElement.Parse(Encoding.UTF8.GetString(SchedulerReply.Write(Options, new SchedulerDecision([unit], [], Now))));

        Assert.Equal("scheduler_reply", reply.Name.LocalName);
        Assert.Equal("http://10.99.0.1/", (string?)reply.Element("master_url"));
        Assert.Equal("5", (string?)reply.Element("next_rpc_delay"));
        Assert.Equal("tvd_hashchain", (string?)reply.Element("app")?.Element("name"));

        var files = reply.Elements("file_info").ToDictionary(f => (string)f.Element("name")!);
        Assert.Equal("http://10.99.0.1/download/wu_1_in", (string?)files["wu_1_in"].Element("url"));
        Assert.Equal("36", (string?)files["wu_1_in"].Element("nbytes"));
        Assert.Equal(unit.InputMd5, (string?)files["wu_1_in"].Element("md5_cksum"));
        Assert.Equal("http://10.99.0.1/cgi-bin/file_upload_handler", (string?)files["wu_1_0_out"].Element("url"));
        Assert.Equal("4096", (string?)files["wu_1_0_out"].Element("max_nbytes"));
        Assert.NotNull(files["wu_1_0_out"].Element("upload_when_present"));

        var workunit = reply.Element("workunit")!;
        Assert.Equal("100", (string?)workunit.Element("version_num"));
        Assert.Equal("in.txt", (string?)workunit.Element("file_ref")?.Element("open_name"));
        Assert.NotNull(workunit.Element("file_ref")?.Element("copy_file"));

        var result = reply.Element("result")!;
        Assert.Equal("wu_1_0", (string?)result.Element("name"));
        Assert.Equal("wu_1", (string?)result.Element("wu_name"));
        Assert.Null(result.Element("platform")); // the anonymous platform client picks its own
        Assert.Equal((Now + TimeSpan.FromHours(1)).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), (string?)result.Element("report_deadline"));
        Assert.Equal("out.txt", (string?)result.Element("file_ref")?.Element("open_name"));
        Assert.NotNull(result.Element("file_ref")?.Element("copy_file"));
    }

    [Fact]
    public void Acks_name_each_reported_result_and_no_app_is_sent_without_work()
    {
        var reply = XElement.Parse(Encoding.UTF8.GetString(SchedulerReply.Write(Options, new SchedulerDecision([], ["wu_1_0", "wu_2_0"], Now))));
        Assert.Equal(["wu_1_0", "wu_2_0"], reply.Elements("result_ack").Select(a => (string)a.Element("name")!));
        Assert.Null(reply.Element("app"));
        Assert.Null(reply.Element("workunit"));
    }

    [Fact]
    public void The_master_page_names_the_scheduler_both_ways()
    {
        string page = Encoding.UTF8.GetString(MasterPage.Write(Options));
        Assert.Contains("<link rel=\"boinc_scheduler\" href=\"http://10.99.0.1/cgi-bin/cgi\">", page);
        Assert.Contains("<scheduler>http://10.99.0.1/cgi-bin/cgi</scheduler>", page);
    }

    [Fact]
    public void Upload_replies_carry_status_and_size_or_an_escaped_message()
    {
        var ok = XElement.Parse(Encoding.UTF8.GetString(DataServerReply.Ok(12)));
        Assert.Equal("0", (string?)ok.Element("status"));
        Assert.Equal("12", (string?)ok.Element("file_size"));
        var error = XElement.Parse(Encoding.UTF8.GetString(DataServerReply.Error("bad <name> & more")));
        Assert.Equal("-1", (string?)error.Element("status"));
        Assert.Equal("bad <name> & more", (string?)error.Element("message"));
    }

    [Theory]
    [InlineData("http://10.99.0.1/", "10.99.0.1")]
    [InlineData("http://10.99.0.1:8080/", "10.99.0.1_8080")]
    [InlineData("http://boinc.example.org/grid/", "boinc.example.org_grid")]
    public void The_clients_project_directory_follows_its_url_escaping(string url, string dir)
    {
        Assert.Equal(dir, ServerOptions.ClientProjectDir(url));
    }

    [Fact]
    public void The_default_master_url_leaves_out_port_80()
    {
        Assert.Equal("http://10.99.0.1/", ServerOptions.DefaultMasterUrl(IPEndPoint.Parse("10.99.0.1:80")));
        Assert.Equal("http://10.99.0.1:8080/", ServerOptions.DefaultMasterUrl(IPEndPoint.Parse("10.99.0.1:8080")));
        Assert.Equal("http://[fd00::1]:8080/", ServerOptions.DefaultMasterUrl(IPEndPoint.Parse("[fd00::1]:8080")));
    }
}
