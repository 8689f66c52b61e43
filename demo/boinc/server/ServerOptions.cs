using System.Net;

namespace Overlay.Demo.BoincServer;

/// <summary>The server's settings (from the command line) and the URLs derived from them.</summary>
internal sealed record ServerOptions
{
    public const string ProjectName = "TVD grid demo";

    /// <summary>The application every work unit runs (demo/boinc/app/app_info.xml).</summary>
    public const string AppName = "tvd_hashchain";

    public const int AppVersion = 100;

    public required IPEndPoint Listen { get; init; }

    public required string DataDir { get; init; }

    public int Units { get; init; } = 2;

    public int Rounds { get; init; } = 200;

    /// <summary>Where the status JSON is rewritten after every change; null: only GET /status.json.</summary>
    public string? StatusFile { get; init; }

    /// <summary>Seconds after which the client is asked to call again (&lt;next_rpc_delay&gt;); 0: not sent.</summary>
    public int NextRpcDelay { get; init; } = 5;

    /// <summary>Seconds a client has to report a result (&lt;report_deadline&gt; = send time + this).</summary>
    public int DeadlineSeconds { get; init; } = 3600;

    /// <summary>The project's master URL; by default http://LISTEN/ (the port left out when it is 80).</summary>
    public string MasterUrl => _masterUrl ?? DefaultMasterUrl(Listen);

    public string? MasterUrlOverride
    {
        get => _masterUrl;
        init => _masterUrl = value is null ? null : value.EndsWith('/') ? value : value + "/";
    }

    private readonly string? _masterUrl;

    public string SchedulerUrl => MasterUrl + "cgi-bin/cgi";

    /// <summary>The upload URL; "file_upload_handler" in it is how the client tells it from a download URL.</summary>
    public string UploadUrl => MasterUrl + "cgi-bin/file_upload_handler";

    public string DownloadUrl(string fileName) => MasterUrl + "download/" + fileName;

    public string DownloadDir => Path.Combine(DataDir, "download");

    public string UploadDir => Path.Combine(DataDir, "upload");

    public static string DefaultMasterUrl(IPEndPoint listen)
    {
        string host = listen.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{listen.Address}]" : listen.Address.ToString();
        return listen.Port == 80 ? $"http://{host}/" : $"http://{host}:{listen.Port}/";
    }

    /// <summary>
    /// The directory the client keeps this project's files in, under DATA/projects/ (lib/url.cpp,
    /// escape_project_url: the scheme dropped, every character but [A-Za-z0-9._-] made '_', a trailing '_' cut).
    /// app_info.xml and the application go there.
    /// </summary>
    public static string ClientProjectDir(string masterUrl)
    {
        int scheme = masterUrl.IndexOf("://", StringComparison.Ordinal);
        string rest = scheme >= 0 ? masterUrl[(scheme + 3)..] : masterUrl;
        var chars = rest.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_').ToArray();
        string dir = new(chars);
        return dir.EndsWith('_') ? dir[..^1] : dir;
    }
}
