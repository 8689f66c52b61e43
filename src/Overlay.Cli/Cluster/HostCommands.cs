using System.CommandLine;
using Overlay.Cli.Output;
using Overlay.Cluster.Keys;
using Overlay.Cluster.Records;
using Overlay.Cluster.Store;

namespace Overlay.Cli.Cluster;

/// <summary>
/// <c>tvdctl host enroll H (--ak FILE|--ak sha256:HEX|--no-ak) --cluster …</c> and <c>tvdctl host unenroll H --cluster …</c>:
/// an administrator says which attestation key a host attests with (never trusted on first use); a host whose
/// registration carries another AK is ignored by every daemon and listed by <c>tvdctl hosts</c> as <c>ak_mismatch</c>.
/// </summary>
internal static class HostCommands
{
    public static Command Create()
    {
        var host = new Command("host", "Enroll a host's attestation key in the cluster, or withdraw it");
        host.Subcommands.Add(Enroll());
        host.Subcommands.Add(Unenroll());
        return host;
    }

    private static Argument<string> HostArgument() => new("HOST") { Description = "The host's name, as the policy's [[host]] names it" };

    private static Command Enroll()
    {
        var options = new ClusterOptions();
        var name = HostArgument();
        var ak = new Option<string>("--ak")
        {
            Description = "The host's AK: a public key file (PEM as status --json's ak.pem, DER, or TPM2B_PUBLIC as tpm2_createak -u writes) or sha256:HEX",
            HelpName = "FILE|sha256:HEX",
        };
        var noAk = new Option<bool>("--no-ak") { Description = "Enroll a host without a TPM (only for TVDs that require no attestation)" };
        var json = JsonOutput.Option();
        var command = new Command("enroll", "Enroll HOST's attestation key fingerprint in the cluster (replaces an earlier enrollment)");
        command.Arguments.Add(name);
        command.Options.Add(ak);
        command.Options.Add(noAk);
        options.AddTo(command);
        command.Options.Add(json);
        command.SetAction((parse, ct) =>
        {
            const string verb = "host enroll";
            var host = parse.GetValue(name)!;
            if (!ClusterNames.IsValidHost(host))
            {
                return Task.FromResult(ClusterVerb.Fail(verb, $"'{host}' is not a host name (letters, digits, '.', '-', '_'; at most {ClusterNames.MaxHostLength})", ExitCodes.BadInput));
            }

            var akValue = parse.GetValue(ak);
            if ((akValue is null) == !parse.GetValue(noAk))
            {
                return Task.FromResult(ClusterVerb.Fail(verb, "give exactly one of --ak FILE|sha256:HEX and --no-ak", ExitCodes.BadInput));
            }

            var fingerprint = "";
            if (akValue is not null)
            {
                fingerprint = AkArgument.TryFingerprint(akValue, out var akError)!;
                if (fingerprint is null)
                {
                    return Task.FromResult(ClusterVerb.Fail(verb, akError, ExitCodes.BadInput));
                }
            }

            return ClusterVerb.RunAsync(verb, options, parse,
                (connection, keys, store, token) => EnrollAsync(host, fingerprint, parse.GetValue(json), connection, keys, store, token), ct);
        });
        return command;
    }

    private static async Task<int> EnrollAsync(string host, string fingerprint, bool json, ClusterConnection connection, ClusterKeys keys,
        IClusterStore store, CancellationToken ct)
    {
        var key = keys.Enroll(host);
        var before = await store.GetAsync(key, ct);
        string? previous = before.Kv is { } kv && Enrollment.TryParse(kv.Value, out var old, out _) ? old.AkSha256 : null;
        var record = new Enrollment { Host = host, AkSha256 = fingerprint, EnrolledBy = ClusterVerb.Actor(), EnrolledAt = ClusterVerb.Now() };
        var revision = await store.PutAsync(key, record.ToJson(), 0, ct);
        if (json)
        {
            JsonOutput.Write(Console.Out, w =>
            {
                w.WriteStartObject();
                w.WriteString("host", host);
                w.WriteString("key", key);
                w.WriteStringOrNull("ak_sha256", fingerprint.Length == 0 ? null : fingerprint);
                w.WriteStringOrNull("previous_ak_sha256", before.Kv is null ? null : previous is null or "" ? null : previous);
                w.WriteBoolean("replaced", before.Kv is not null);
                w.WriteString("enrolled_by", record.EnrolledBy);
                w.WriteTime("enrolled_at", record.EnrolledAt);
                w.WriteNumber("revision", revision);
                w.WriteEndObject();
            });
        }
        else
        {
            var what = fingerprint.Length == 0 ? "without an AK (only TVDs without attestation)" : $"with AK sha256:{fingerprint}";
            var was = before.Kv is null ? "" : previous is null ? " (replaced an invalid record)"
                : previous == fingerprint ? " (unchanged)" : $" (was {(previous.Length == 0 ? "no AK" : "sha256:" + previous)})";
            Console.WriteLine($"enrolled {host} {what}{was} at {connection.EndpointList} {key}");
        }

        return ExitCodes.Ok;
    }

    private static Command Unenroll()
    {
        var options = new ClusterOptions();
        var name = HostArgument();
        var json = JsonOutput.Option();
        var command = new Command("unenroll", "Withdraw HOST's enrollment: every daemon stops peering with it");
        command.Arguments.Add(name);
        options.AddTo(command);
        command.Options.Add(json);
        command.SetAction((parse, ct) =>
        {
            const string verb = "host unenroll";
            var host = parse.GetValue(name)!;
            if (!ClusterNames.IsValidHost(host))
            {
                return Task.FromResult(ClusterVerb.Fail(verb, $"'{host}' is not a host name", ExitCodes.BadInput));
            }

            return ClusterVerb.RunAsync(verb, options, parse, async (connection, keys, store, token) =>
            {
                var key = keys.Enroll(host);
                if (!await store.DeleteAsync(key, token))
                {
                    return ClusterVerb.Fail(verb, $"{host} is not enrolled at {connection.EndpointList} ({key} does not exist)", ExitCodes.BadInput);
                }

                if (parse.GetValue(json))
                {
                    JsonOutput.Write(Console.Out, w =>
                    {
                        w.WriteStartObject();
                        w.WriteString("host", host);
                        w.WriteString("key", key);
                        w.WriteBoolean("removed", true);
                        w.WriteEndObject();
                    });
                }
                else
                {
                    Console.WriteLine($"unenrolled {host} ({key} removed): daemons stop peering with it");
                }

                return ExitCodes.Ok;
            }, ct);
        });
        return command;
    }
}
