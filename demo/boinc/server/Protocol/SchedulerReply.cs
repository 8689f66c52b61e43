using System.Globalization;
using System.Text;
using System.Xml;
using Overlay.Demo.BoincServer.Project;

namespace Overlay.Demo.BoincServer.Protocol;

/// <summary>
/// The <c>&lt;scheduler_reply&gt;</c> this server answers (parsed by client/scheduler_op.cpp,
/// SCHEDULER_REPLY::parse). For each work unit sent: the app, the input file (download URL, size, MD5), the
/// output file (upload URL, max_nbytes), the workunit (input opened as in.txt by copy) and its one result
/// (output written as out.txt, copied back by the client, reported at once). The result names no platform:
/// an anonymous-platform client sends platform "anonymous" and takes, for a result without one, its primary
/// platform and the app's latest version from its app_info.xml (client/cs_scheduler.cpp).
/// </summary>
/// <example>
/// <code>
/// &lt;scheduler_reply&gt;
///   &lt;scheduler_version&gt;720&lt;/scheduler_version&gt; &lt;master_url&gt;http://10.99.0.1/&lt;/master_url&gt; &lt;project_name&gt;..&lt;/project_name&gt;
///   &lt;hostid&gt;1&lt;/hostid&gt; &lt;next_rpc_delay&gt;5&lt;/next_rpc_delay&gt;
///   &lt;app&gt;&lt;name&gt;tvd_hashchain&lt;/name&gt;..&lt;/app&gt;
///   &lt;file_info&gt;&lt;name&gt;wu_1_in&lt;/name&gt;&lt;url&gt;http://10.99.0.1/download/wu_1_in&lt;/url&gt;&lt;nbytes&gt;..&lt;/nbytes&gt;&lt;md5_cksum&gt;..&lt;/md5_cksum&gt;&lt;/file_info&gt;
///   &lt;file_info&gt;&lt;name&gt;wu_1_0_out&lt;/name&gt;&lt;generated_locally/&gt;&lt;upload_when_present/&gt;&lt;max_nbytes&gt;4096&lt;/max_nbytes&gt;&lt;url&gt;.../cgi-bin/file_upload_handler&lt;/url&gt;&lt;/file_info&gt;
///   &lt;workunit&gt;&lt;name&gt;wu_1&lt;/name&gt;&lt;app_name&gt;..&lt;/app_name&gt;&lt;version_num&gt;100&lt;/version_num&gt;&lt;rsc_*&gt;
///     &lt;file_ref&gt;&lt;file_name&gt;wu_1_in&lt;/file_name&gt;&lt;open_name&gt;in.txt&lt;/open_name&gt;&lt;copy_file/&gt;&lt;/file_ref&gt;&lt;/workunit&gt;
///   &lt;result&gt;&lt;name&gt;wu_1_0&lt;/name&gt;&lt;wu_name&gt;wu_1&lt;/wu_name&gt;&lt;version_num&gt;100&lt;/version_num&gt;
///     &lt;report_deadline&gt;UNIX TIME&lt;/report_deadline&gt;&lt;report_immediately/&gt;
///     &lt;file_ref&gt;&lt;file_name&gt;wu_1_0_out&lt;/file_name&gt;&lt;open_name&gt;out.txt&lt;/open_name&gt;&lt;copy_file/&gt;&lt;/file_ref&gt;&lt;/result&gt;
///   &lt;result_ack&gt;&lt;name&gt;wu_0_0&lt;/name&gt;&lt;/result_ack&gt;
/// &lt;/scheduler_reply&gt;
/// </code>
/// </example>
internal static class SchedulerReply
{
    /// <summary>The scheduler version the reply claims (the 7.20 client only logs it).</summary>
    public const int SchedulerVersion = 720;

    /// <summary>The host id given to every client (the demo has one; the client keeps and sends it back).</summary>
    public const int HostId = 1;

    /// <summary>Floating-point operations a task is estimated at and bounded by (the chain is tiny).</summary>
    public const double FpopsEstimate = 1e9, FpopsBound = 1e13, MemoryBound = 1e8, DiskBound = 1e8;

    public static byte[] Write(ServerOptions options, SchedulerDecision decision)
    {
        var text = new StringBuilder();
        using (var xml = XmlWriter.Create(text, new XmlWriterSettings { OmitXmlDeclaration = true, Indent = true }))
        {
            xml.WriteStartElement("scheduler_reply");
            xml.WriteElementString("scheduler_version", Number(SchedulerVersion));
            xml.WriteElementString("master_url", options.MasterUrl);
            xml.WriteElementString("project_name", ServerOptions.ProjectName);
            xml.WriteElementString("user_name", "demo");
            xml.WriteElementString("hostid", Number(HostId));
            if (options.NextRpcDelay > 0)
            {
                xml.WriteElementString("next_rpc_delay", Number(options.NextRpcDelay));
            }

            if (decision.Send.Count > 0)
            {
                xml.WriteStartElement("app");
                xml.WriteElementString("name", ServerOptions.AppName);
                xml.WriteElementString("user_friendly_name", "TVD hash chain");
                xml.WriteEndElement();
            }

            long deadline = (decision.Now + TimeSpan.FromSeconds(options.DeadlineSeconds)).ToUnixTimeSeconds();
            foreach (var unit in decision.Send)
            {
                WriteUnit(xml, options, unit, deadline);
            }

            foreach (string name in decision.Acks)
            {
                xml.WriteStartElement("result_ack");
                xml.WriteElementString("name", name);
                xml.WriteEndElement();
            }

            xml.WriteEndElement();
        }

        text.Append('\n');
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static void WriteUnit(XmlWriter xml, ServerOptions options, WorkUnit unit, long deadline)
    {
        xml.WriteStartElement("file_info");
        xml.WriteElementString("name", unit.InputName);
        xml.WriteElementString("url", options.DownloadUrl(unit.InputName));
        xml.WriteElementString("nbytes", Number(unit.Input.Length));
        xml.WriteElementString("md5_cksum", unit.InputMd5);
        xml.WriteEndElement();

        xml.WriteStartElement("file_info");
        xml.WriteElementString("name", unit.OutputName);
        xml.WriteElementString("generated_locally", "");
        xml.WriteElementString("upload_when_present", "");
        xml.WriteElementString("max_nbytes", Number(HashChain.MaxOutputBytes));
        xml.WriteElementString("url", options.UploadUrl);
        xml.WriteEndElement();

        xml.WriteStartElement("workunit");
        xml.WriteElementString("name", unit.Name);
        xml.WriteElementString("app_name", ServerOptions.AppName);
        xml.WriteElementString("version_num", Number(ServerOptions.AppVersion));
        xml.WriteElementString("rsc_fpops_est", Number(FpopsEstimate));
        xml.WriteElementString("rsc_fpops_bound", Number(FpopsBound));
        xml.WriteElementString("rsc_memory_bound", Number(MemoryBound));
        xml.WriteElementString("rsc_disk_bound", Number(DiskBound));
        WriteFileRef(xml, unit.InputName, "in.txt");
        xml.WriteEndElement();

        xml.WriteStartElement("result");
        xml.WriteElementString("name", unit.ResultName);
        xml.WriteElementString("wu_name", unit.Name);
        xml.WriteElementString("version_num", Number(ServerOptions.AppVersion));
        xml.WriteElementString("report_deadline", Number(deadline));
        xml.WriteElementString("report_immediately", "");
        WriteFileRef(xml, unit.OutputName, "out.txt");
        xml.WriteEndElement();
    }

    private static void WriteFileRef(XmlWriter xml, string file, string openName)
    {
        xml.WriteStartElement("file_ref");
        xml.WriteElementString("file_name", file);
        xml.WriteElementString("open_name", openName);
        xml.WriteElementString("copy_file", "");
        xml.WriteEndElement();
    }

    private static string Number(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);
}
