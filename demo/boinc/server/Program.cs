using System.CommandLine;
using System.Net;
using Overlay.Demo.BoincServer;

// tvd-boinc-server: the demo's BOINC project server (docs/demo.md, "BOINC project server").
// Exit codes: 0 stopped by a signal, 2 bad arguments or the address could not be bound.
var listen = new Option<string>("--listen") { Description = "ADDRESS:PORT to serve on (only this address), e.g. 10.99.0.1:80", Required = true };
var data = new Option<string>("--data") { Description = "Data directory: download/ (inputs) and upload/ (outputs) are made in it", Required = true };
var units = new Option<int>("--units") { Description = "Number of work units (1-1000)", DefaultValueFactory = _ => 2 };
var rounds = new Option<int>("--rounds") { Description = "Hash-chain rounds per work unit (1-1000000)", DefaultValueFactory = _ => 200 };
var status = new Option<string?>("--status") { Description = "Status JSON file, rewritten (by rename) after every change; GET /status.json serves it too" };
var masterUrl = new Option<string?>("--master-url") { Description = "The master URL clients attach to (default http://ADDRESS[:PORT]/)" };
var nextRpc = new Option<int>("--next-rpc-delay") { Description = "Seconds after which a client is asked to call again (0: not asked)", DefaultValueFactory = _ => 5 };
var root = new RootCommand("tvd-boinc-server — the TVD Overlay demo's minimal BOINC project server") { listen, data, units, rounds, status, masterUrl, nextRpc };

var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    foreach (var error in parse.Errors)
    {
        Console.Error.WriteLine($"tvd-boinc-server: {error.Message}");
    }

    return 2;
}

if (parse.Action is not null)
{
    return await parse.InvokeAsync(); // --help, --version: the root command has no action of its own
}

string? problem = null;
if (!IPEndPoint.TryParse(parse.GetValue(listen)!, out var endpoint) || endpoint.Port == 0)
{
    problem = $"--listen '{parse.GetValue(listen)}' is not ADDRESS:PORT with a port";
}
else if (endpoint.Address.Equals(IPAddress.Any) || endpoint.Address.Equals(IPAddress.IPv6Any))
{
    problem = "--listen needs the one address to serve on, not a wildcard";
}
else if (parse.GetValue(units) is < 1 or > 1000)
{
    problem = $"--units {parse.GetValue(units)} is not within 1-1000";
}
else if (parse.GetValue(rounds) is < 1 or > 1_000_000)
{
    problem = $"--rounds {parse.GetValue(rounds)} is not within 1-1000000";
}
else if (parse.GetValue(nextRpc) is < 0 or > 86400)
{
    problem = $"--next-rpc-delay {parse.GetValue(nextRpc)} is not within 0-86400";
}
else if (parse.GetValue(masterUrl) is { } url && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp))
{
    problem = $"--master-url '{url}' is not an http:// URL";
}

if (problem is not null)
{
    Console.Error.WriteLine($"tvd-boinc-server: {problem}");
    return 2;
}

var options = new ServerOptions
{
    Listen = endpoint!,
    DataDir = Path.GetFullPath(parse.GetValue(data)!),
    Units = parse.GetValue(units),
    Rounds = parse.GetValue(rounds),
    StatusFile = parse.GetValue(status) is { } file ? Path.GetFullPath(file) : null,
    MasterUrlOverride = parse.GetValue(masterUrl),
    NextRpcDelay = parse.GetValue(nextRpc),
};

BoincServer server;
try
{
    server = await BoincServer.StartAsync(options, Console.Out, TimeProvider.System, CancellationToken.None);
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException)
{
    Console.Error.WriteLine($"tvd-boinc-server: cannot serve on {options.Listen} with data in {options.DataDir}: {e.Message}");
    return 2;
}

await using (server)
{
    await server.WaitForShutdownAsync();
    var all = server.Project.Units;
    Console.Out.WriteLine($"tvd-boinc-server: stopped; {all.Count(u => u.Outcome == "valid")}/{all.Count} work units valid");
}

return 0;
