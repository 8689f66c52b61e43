using System.CommandLine;
using Overlay.Cluster.Keys;
using Overlay.Cluster.Store;

namespace Overlay.Cli.Cluster;

/// <summary>
/// What every cluster verb does around its own work: read the connection options (exit 2 on a mistake), open the
/// store, run the verb, and turn a store failure into one line naming the endpoints and etcd's own message — exit 1
/// (the store's state, not the user's typing), except failed authentication (TLS or etcd's), exit 2.
/// </summary>
internal static class ClusterVerb
{
    /// <summary>Every request of a verb is bounded by this; a store that does not answer is "unavailable".</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);

    public static readonly TimeSpan DialTimeout = TimeSpan.FromSeconds(2);

    public delegate Task<int> Body(ClusterConnection connection, ClusterKeys keys, IClusterStore store, CancellationToken ct);

    public static async Task<int> RunAsync(string verb, ClusterOptions options, ParseResult parse, Body body, CancellationToken ct)
    {
        var connection = options.TryRead(parse, out var error);
        if (connection is null)
        {
            return Fail(verb, error, ExitCodes.BadInput);
        }

        if (!ClusterKeys.TryCreate(connection.Prefix, out var keys, out error))
        {
            return Fail(verb, $"--prefix: {error}", ExitCodes.BadInput);
        }

        IClusterStore store;
        try
        {
            store = ClusterConnector.Open(connection);
        }
        catch (ArgumentException e)
        {
            return Fail(verb, e.Message, ExitCodes.BadInput);
        }

        try
        {
            await using (store)
            {
                return await body(connection, keys, store, ct);
            }
        }
        catch (ClusterStoreException e)
        {
            return Fail(verb, Describe(e, connection), e.Kind == ClusterStoreErrorKind.Unauthenticated ? ExitCodes.BadInput : ExitCodes.Denied);
        }
    }

    /// <summary>One line for a store failure: where, what etcd said, and for a full store what the operator does.</summary>
    public static string Describe(ClusterStoreException e, ClusterConnection connection)
    {
        var said = OneLine(e.Message);
        var at = $"etcd at {connection.EndpointList}";
        return e.Kind switch
        {
            ClusterStoreErrorKind.Unavailable => $"{at} is unavailable (unreachable, no quorum or no answer within {RequestTimeout.TotalSeconds:0} s): {said}",
            ClusterStoreErrorKind.SpaceExceeded => $"{at} is full ({said}): nothing was written; an operator compacts, defragments and disarms the NOSPACE alarm (docs/cluster.md, \"Store hygiene\")",
            ClusterStoreErrorKind.Unauthenticated => $"{at}: authentication failed: {said} (check --ca, --cert/--key, --user/--password-file)",
            _ => $"{at}: {said}",
        };
    }

    public static int Fail(string verb, string message, int exitCode) => Fail(Console.Error, verb, message, exitCode);

    public static int Fail(TextWriter stderr, string verb, string message, int exitCode)
    {
        stderr.WriteLine($"tvdctl: {verb}: {OneLine(message)}");
        return exitCode;
    }

    /// <summary>Now, in whole seconds: what the JSON documents and messages show is exactly what a record holds.</summary>
    public static DateTimeOffset Now()
    {
        var now = TimeProvider.System.GetUtcNow();
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond));
    }

    /// <summary>Who did it, for pushed_by and enrolled_by: user@host of this process.</summary>
    public static string Actor() => $"{Environment.UserName}@{Environment.MachineName}";

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
