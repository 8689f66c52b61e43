using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Overlay.Demo.BoincServer.Http;
using Overlay.Demo.BoincServer.Project;

namespace Overlay.Demo.BoincServer;

/// <summary>The project state behind Kestrel, listening on exactly the address it is given.</summary>
internal sealed class BoincServer : IAsyncDisposable
{
    /// <summary>Kestrel's own bound on any body, above the per-URL bounds of <see cref="BoincEndpoints"/>.</summary>
    public const long MaxBody = BoincEndpoints.MaxSchedulerBody;

    private readonly WebApplication _app;

    private BoincServer(WebApplication app, ProjectState project)
    {
        _app = app;
        Project = project;
    }

    public ProjectState Project { get; }

    /// <summary>Creates the work units, binds the address and starts serving; throws SocketException or IOException when the bind fails.</summary>
    public static async Task<BoincServer> StartAsync(ServerOptions options, TextWriter logOutput, TimeProvider time, CancellationToken cancel)
    {
        var log = new ServerLog(logOutput, time);
        var project = new ProjectState(options, time, log);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None); // a failed bind is reported by Program, once
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.None);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = MaxBody;
            kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            kestrel.Limits.MaxRequestLineSize = 8 * 1024;
            kestrel.Limits.MaxConcurrentConnections = 256;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(15);
            kestrel.Listen(options.Listen);
        });
        var app = builder.Build();
        var endpoints = new BoincEndpoints(project, log);
        app.Run(endpoints.HandleAsync);
        try
        {
            await app.StartAsync(cancel);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        log.Line($"tvd-boinc-server: project '{ServerOptions.ProjectName}' at {options.MasterUrl} on {options.Listen}: "
            + $"{options.Units} work units of {options.Rounds} rounds; scheduler {options.SchedulerUrl}, upload {options.UploadUrl}; "
            + $"the client's project directory is projects/{ServerOptions.ClientProjectDir(options.MasterUrl)}/");
        return new BoincServer(app, project);
    }

    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
