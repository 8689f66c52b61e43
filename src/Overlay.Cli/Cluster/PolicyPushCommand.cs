using System.CommandLine;
using System.Text;
using Overlay.Attest.Quote;
using Overlay.Cli.Output;
using Overlay.Cli.Policy;
using Overlay.Cluster.Keys;
using Overlay.Cluster.Records;
using Overlay.Cluster.Rollout;
using Overlay.Cluster.Store;
using Overlay.Labels.Loading;
using Overlay.Labels.Model;

namespace Overlay.Cli.Cluster;

/// <summary>
/// <c>tvdctl policy push FILE --cluster … [--revoke] [--json]</c>: validates FILE with the loader <c>policy check</c>
/// uses (exit 2, every error as file:line:column), refuses a version not above the store's (exit 2, naming both),
/// then writes <c>policy/current</c> (and its history entry) by compare-and-swap on the revision it read. A push that
/// lost to a concurrent one exits 1 naming the winner; a store that is down or full exits 1 (<see cref="ClusterVerb"/>).
/// </summary>
internal static class PolicyPushCommand
{
    private const string Verb = "policy push";

    /// <summary>A policy record is at most 1 MiB in the store (docs/cluster.md); the text must fit in it.</summary>
    public const int MaxPolicyFileBytes = 1024 * 1024;

    public static Command Create()
    {
        var options = new ClusterOptions();
        var revoke = new Option<bool>("--revoke")
        {
            Description = "Hosts commit this version even when running guests or bindings conflict with it, and revoke them",
        };
        var json = JsonOutput.Option();
        var command = new Command("push", "Validate a policy file and publish it to the cluster as the next version (compare-and-swap)");
        command.Arguments.Add(PolicyFile.Argument);
        command.Options.Add(revoke);
        options.AddTo(command);
        command.Options.Add(json);
        command.SetAction((parse, ct) => ClusterVerb.RunAsync(Verb, options, parse,
            (connection, keys, store, token) => PushAsync(parse.GetValue(PolicyFile.Argument)!, parse.GetValue(revoke), parse.GetValue(json),
                connection, keys, store, Console.Out, Console.Error, token), ct));
        return command;
    }

    /// <summary>The verb after its options were read (tests call it with a store that lets another push in).</summary>
    internal static async Task<int> PushAsync(string path, bool revoke, bool asJson, ClusterConnection connection, ClusterKeys keys,
        IClusterStore store, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        var policy = LoadChecked(path, stderr);
        if (policy is null)
        {
            return ExitCodes.BadInput;
        }

        var (definition, text) = policy.Value;
        var publisher = new PolicyPublisher(store, keys);
        var head = await publisher.ReadCurrentAsync(ct);
        var running = head.Record;
        if (head.Error is { } invalid)
        {
            stderr.WriteLine($"tvdctl: {Verb}: warning: {keys.PolicyCurrent} in the store is not a valid policy record ({invalid}); " +
                "every daemon ignores it; this push replaces it");
        }

        if (running is not null && definition.Version <= running.Version)
        {
            return ClusterVerb.Fail(stderr, Verb, $"{path} has version {definition.Version}, not greater than the store's version {running.Version} " +
                $"(pushed by {running.PushedBy} at {Time(running.PushedAt)}): raise [policy] version", ExitCodes.BadInput);
        }

        var record = PolicyRecord.Create(definition.Version, head.Version, text, revoke, ClusterVerb.Actor(), ClusterVerb.Now());
        var outcome = await publisher.PushAsync(record, head, ct);
        switch (outcome.Status)
        {
            case PushStatus.Pushed:
                break;
            case PushStatus.LostRace:
                if (asJson)
                {
                    Write(stdout, record, pushed: false, null, outcome.Winner, connection, keys);
                }

                return ClusterVerb.Fail(stderr, Verb, outcome.Winner is { } winner
                    ? $"lost to version {winner.Version} pushed by {winner.PushedBy} at {Time(winner.PushedAt)}"
                    : $"{outcome.Message}; nothing was written, push again", ExitCodes.Denied);
            case PushStatus.NotNewer when outcome.Winner is { } newer:
                return ClusterVerb.Fail(stderr, Verb, $"{path} has version {definition.Version}, not greater than the store's version {newer.Version} " +
                    $"(pushed by {newer.PushedBy} at {Time(newer.PushedAt)}): raise [policy] version", ExitCodes.BadInput);
            default:
                return ClusterVerb.Fail(stderr, Verb, $"{path}: {outcome.Message}; nothing was written", ExitCodes.BadInput);
        }

        if (asJson)
        {
            Write(stdout, record, pushed: true, outcome.Revision, null, connection, keys);
        }
        else
        {
            stdout.WriteLine($"pushed policy {definition.Name} version {record.Version} (replaces {Show(record.Replaces)}, sha256 {record.Sha256[..16]}…" +
                $"{(revoke ? ", revoke" : "")}) to {connection.EndpointList} {keys.PolicyCurrent} at revision {outcome.Revision}");
            stdout.WriteLine($"every host tests and commits it; see: tvdctl policy rollout --version {record.Version}");
        }

        return ExitCodes.Ok;
    }

    /// <summary>The policy and its text, or null after printing every diagnostic (file:line:column) to <paramref name="output"/>.</summary>
    internal static (PolicyDefinition Definition, string Text)? LoadChecked(string path, TextWriter output)
    {
        if (!BoundedFile.TryReadAllBytes(path, MaxPolicyFileBytes, out var bytes, out var readError))
        {
            output.WriteLine($"{path}:0:0: error: cannot read the policy file: {readError}");
            return null;
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            output.WriteLine($"{path}:0:0: error: the policy file is not valid UTF-8");
            return null;
        }

        var result = PolicyLoader.Load(text, path);
        foreach (var diagnostic in result.Diagnostics)
        {
            output.WriteLine(diagnostic.ToString());
        }

        if (!result.Succeeded)
        {
            var errors = result.Errors.Count();
            output.WriteLine($"{path}: {errors} error{(errors == 1 ? "" : "s")}, nothing pushed");
            return null;
        }

        var policy = result.Policy!;
        foreach (var file in policy.Attestations.SelectMany(a => a.AkCas.Prepend(a.ReferenceValues)).OfType<PolicyFileReference>()
                     .Where(f => !Path.IsPathRooted(f.Written)))
        {
            // Not an error (the file is the operator's to install), but hosts resolve it elsewhere than tvdctl did.
            output.WriteLine(new PolicyDiagnostic(DiagnosticSeverity.Warning, file.Location,
                $"'{file.Written}' is a relative path: each host reads it from <state_dir>/cluster/ (docs/cluster.md); " +
                "name it by an absolute path and install it on every host before the push"));
        }

        return (policy, text);
    }

    private static void Write(TextWriter stdout, PolicyRecord record, bool pushed, long? revision, PolicyRecord? winner,
        ClusterConnection connection, ClusterKeys keys) =>
        JsonOutput.Write(stdout, w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("pushed", pushed);
            w.WriteString("key", keys.PolicyCurrent);
            w.WriteString("endpoints", connection.EndpointList);
            w.WriteNumber("version", record.Version);
            w.WriteNumber("replaces", record.Replaces);
            w.WriteString("sha256", record.Sha256);
            w.WriteBoolean("revoke", record.Revoke);
            w.WriteString("pushed_by", record.PushedBy);
            w.WriteTime("pushed_at", record.PushedAt);
            if (revision is { } r)
            {
                w.WriteNumber("revision", r);
            }
            else
            {
                w.WriteNull("revision");
            }

            if (winner is null)
            {
                w.WriteNull("lost_to");
            }
            else
            {
                w.WriteStartObject("lost_to");
                w.WriteNumber("version", winner.Version);
                w.WriteString("pushed_by", winner.PushedBy);
                w.WriteTime("pushed_at", winner.PushedAt);
                w.WriteEndObject();
            }

            w.WriteEndObject();
        });

    private static string Show(long? version) => version is null or 0 ? "none" : version.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    internal static string Time(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
