using System.Net;
using System.Text;

namespace Overlay.Demo.BoincServer.Protocol;

/// <summary>
/// The project's master page (GET of the master URL). The client takes the scheduler URL from
/// <c>&lt;link rel="boinc_scheduler" href="..."&gt;</c> or from a <c>&lt;scheduler&gt;URL&lt;/scheduler&gt;</c> element
/// (client/scheduler_op.cpp, parse_master_file); the page has both.
/// </summary>
internal static class MasterPage
{
    public static byte[] Write(ServerOptions options)
    {
        string name = WebUtility.HtmlEncode(ServerOptions.ProjectName);
        string scheduler = WebUtility.HtmlEncode(options.SchedulerUrl);
        return Encoding.UTF8.GetBytes($"""
            <!DOCTYPE html>
            <html>
            <head>
            <title>{name}</title>
            <link rel="boinc_scheduler" href="{scheduler}">
            </head>
            <body>
            <h1>{name}</h1>
            <p>The BOINC project of the TVD Overlay demo: {options.Units} work units of the application {ServerOptions.AppName}.
            Status: <a href="status.json">status.json</a>.</p>
            <!-- <scheduler>{scheduler}</scheduler> -->
            </body>
            </html>

            """);
    }
}
