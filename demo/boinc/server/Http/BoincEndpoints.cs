using Microsoft.AspNetCore.Http;
using Overlay.Demo.BoincServer.Project;
using Overlay.Demo.BoincServer.Protocol;

namespace Overlay.Demo.BoincServer.Http;

/// <summary>
/// The server's URLs, dispatched by hand so every refusal goes through one place (counted, logged, answered
/// with its HTTP status and the reason as text):
/// <list type="table">
/// <item><term>GET /</term><description>the master page</description></item>
/// <item><term>POST /cgi-bin/cgi</term><description>scheduler RPC (body at most <see cref="MaxSchedulerBody"/>)</description></item>
/// <item><term>POST /cgi-bin/file_upload_handler</term><description>file upload handler protocol</description></item>
/// <item><term>GET /download/NAME</term><description>a work unit's input file</description></item>
/// <item><term>GET /status.json</term><description>the status JSON</description></item>
/// </list>
/// </summary>
internal sealed class BoincEndpoints(ProjectState project, ServerLog log)
{
    /// <summary>A 7.20 request is about 6 KiB, plus about 1 KiB per reported result.</summary>
    public const int MaxSchedulerBody = 1024 * 1024;

    /// <summary>An upload: the XML header, then at most max_nbytes of output.</summary>
    public const int MaxUploadBody = UploadRequest.MaxHeaderBytes + HashChain.MaxOutputBytes;

    public const string SchedulerPath = "/cgi-bin/cgi";
    public const string UploadPath = "/cgi-bin/file_upload_handler";
    public const string DownloadPrefix = "/download/";
    public const string StatusPath = "/status.json";

    public async Task HandleAsync(HttpContext context)
    {
        var remote = context.Connection.RemoteIpAddress;
        string client = remote is null ? "?" : (remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote).ToString();
        string path = context.Request.Path.Value ?? "/";
        string method = context.Request.Method;
        try
        {
            await DispatchAsync(context, client, path, method);
        }
        catch (ProtocolException refusal)
        {
            project.Reject(client, $"{method} {BoincXml.Shorten(path)}", refusal);
            if (!context.Response.HasStarted)
            {
                context.Response.StatusCode = refusal.HttpStatus;
                bool upload = path == UploadPath;
                context.Response.ContentType = upload ? "text/xml" : "text/plain; charset=utf-8";
                byte[] body = upload ? DataServerReply.Error(refusal.Message) : System.Text.Encoding.UTF8.GetBytes(refusal.Message + "\n");
                await context.Response.Body.WriteAsync(body, context.RequestAborted);
            }
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's own bounds (a body over MaxBody, a body cut short): it answers the status itself.
            var reason = e.StatusCode == StatusCodes.Status413PayloadTooLarge ? RejectReason.TooLarge : RejectReason.MalformedXml;
            project.Reject(client, $"{method} {BoincXml.Shorten(path)}", new ProtocolException(reason, $"request body not read: {e.Message}"));
        }
        catch (Exception e) when (e is IOException or OperationCanceledException && context.RequestAborted.IsCancellationRequested)
        {
            log.Line($"{method} {BoincXml.Shorten(path)} from {client}: the connection closed mid-request");
        }
    }

    private async Task DispatchAsync(HttpContext context, string client, string path, string method)
    {
        var (kind, wanted) = path switch
        {
            "/" or "/index.html" => ("master", HttpMethods.Get),
            SchedulerPath => ("scheduler", HttpMethods.Post),
            UploadPath => ("upload", HttpMethods.Post),
            StatusPath => ("status", HttpMethods.Get),
            _ when path.StartsWith(DownloadPrefix, StringComparison.Ordinal) => ("download", HttpMethods.Get),
            _ => ("unknown", ""),
        };
        if (kind == "unknown")
        {
            project.Seen(client, "unknown");
            throw new ProtocolException(RejectReason.NotFound, $"no such URL on this BOINC project: {BoincXml.Shorten(path)}");
        }

        project.Seen(client, kind);
        if (method != wanted && !(wanted == HttpMethods.Get && HttpMethods.IsHead(method)))
        {
            throw new ProtocolException(RejectReason.MethodNotAllowed, $"{path} takes {wanted}, not {BoincXml.Shorten(method)}");
        }

        var cancel = context.RequestAborted;
        switch (kind)
        {
            case "master":
                log.Line($"master page to {client}");
                await Send(context, "text/html; charset=utf-8", MasterPage.Write(project.Options), cancel);
                break;
            case "scheduler":
                var request = SchedulerRequest.Parse(await BoundedBody.ReadAsync(context.Request, MaxSchedulerBody, cancel));
                var decision = project.Schedule(request, client);
                await Send(context, "text/xml", SchedulerReply.Write(project.Options, decision), cancel);
                break;
            case "upload":
                var upload = UploadRequest.Parse(await BoundedBody.ReadAsync(context.Request, MaxUploadBody, cancel));
                long size = project.Upload(upload, client);
                await Send(context, "text/xml", DataServerReply.Ok(upload.Kind == UploadKind.FileSize ? size : null), cancel);
                break;
            case "download":
                var unit = project.Download(FileNames.Check(path[DownloadPrefix.Length..]), client);
                log.Line($"download {unit.InputName} ({unit.Input.Length} bytes) to {client}");
                await Send(context, "application/octet-stream", unit.Input, cancel);
                break;
            default:
                await Send(context, "application/json", project.StatusJson(), cancel);
                break;
        }
    }

    private static async Task Send(HttpContext context, string contentType, byte[] body, CancellationToken cancel)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = contentType;
        context.Response.ContentLength = body.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await context.Response.Body.WriteAsync(body, cancel);
        }
    }
}
