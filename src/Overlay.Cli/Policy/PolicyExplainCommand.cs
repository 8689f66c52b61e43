using System.CommandLine;
using Overlay.Labels.Compiled;
using Overlay.Labels.Decisions;
using Overlay.Labels.Engine;

namespace Overlay.Cli.Policy;

/// <summary>
/// <c>tvdctl policy explain FILE --attach GUEST --resource NAME</c> and
/// <c>tvdctl policy explain FILE --start GUEST [--running G1,G2,…] [--host H]</c>:
/// the decision the daemon would take, with its reason. Exit 0 allow, 1 deny, 2 bad input.
/// </summary>
internal static class PolicyExplainCommand
{
    private static readonly Option<string> Attach = new("--attach") { Description = "Guest to bind (with --resource)" };
    private static readonly Option<string> Resource = new("--resource") { Description = "Network or volume to bind the guest to" };
    private static readonly Option<string> Start = new("--start") { Description = "Guest to start" };
    private static readonly Option<string> Running = new("--running") { Description = "Guests already running on the host, comma-separated" };
    private static readonly Option<string> Host = new("--host") { Description = "Host to start on (default: the first host in the file)" };

    public static Command Create()
    {
        var command = new Command("explain", "Explain the decision for binding a guest to a resource or starting it next to running guests");
        command.Arguments.Add(PolicyFile.Argument);
        command.Options.Add(Attach);
        command.Options.Add(Resource);
        command.Options.Add(Start);
        command.Options.Add(Running);
        command.Options.Add(Host);
        command.SetAction(parse => Run(parse, Console.Out, Console.Error));
        return command;
    }

    private static int Run(ParseResult parse, TextWriter output, TextWriter error)
    {
        var attach = parse.GetValue(Attach);
        var resource = parse.GetValue(Resource);
        var start = parse.GetValue(Start);
        var usage = (attach, resource, start) switch
        {
            (not null, not null, null) => null,
            (not null, null, _) => "--attach needs --resource",
            (not null, _, not null) => "give either --attach or --start, not both",
            (null, null, not null) => null,
            (null, not null, _) => "--resource goes with --attach",
            _ => "give --attach GUEST --resource NAME, or --start GUEST",
        };
        if (start is null && (parse.GetValue(Running) is not null || parse.GetValue(Host) is not null))
        {
            usage ??= "--running and --host go with --start";
        }

        if (usage is not null)
        {
            error.WriteLine($"tvdctl: {usage}");
            return ExitCodes.BadInput;
        }

        var policy = PolicyFile.Load(parse.GetValue(PolicyFile.Argument)!, error, printWarnings: false);
        if (policy is null)
        {
            return ExitCodes.BadInput;
        }

        var engine = new PolicyEngine(policy);
        var decision = attach is not null
            ? ExplainAttach(engine, attach, resource!, error)
            : ExplainStart(engine, policy, start!, parse.GetValue(Running), parse.GetValue(Host), error);
        if (decision is not { } d)
        {
            return ExitCodes.BadInput;
        }

        output.WriteLine(d.ToString());
        return d.Allowed ? ExitCodes.Ok : ExitCodes.Denied;
    }

    private static Decision? ExplainAttach(PolicyEngine engine, string guest, string resource, TextWriter error)
    {
        var d = engine.Attach(guest, resource);
        if (d.Rule == DecisionRule.UnknownReference)
        {
            error.WriteLine($"tvdctl: {d.Subject}");
            return null;
        }

        return d;
    }

    private static Decision? ExplainStart(PolicyEngine engine, CompiledPolicy policy, string guest, string? running, string? host, TextWriter error)
    {
        host ??= policy.Hosts.FirstOrDefault()?.Name;
        if (host is null)
        {
            error.WriteLine("tvdctl: the policy defines no host");
            return null;
        }

        // The running set goes through the same engine: a set that could not be running (unknown
        // guest, or one the policy would have refused) is bad input, not a premise to reason from.
        foreach (var name in (running ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var started = engine.Start(name, host);
            if (!started.Allowed)
            {
                error.WriteLine(started.Rule == DecisionRule.UnknownReference
                    ? $"tvdctl: {started.Subject}"
                    : $"tvdctl: --running: guest {name} cannot be running on host {host}: {started}");
                return null;
            }
        }

        var d = engine.Start(guest, host);
        if (d.Rule == DecisionRule.UnknownReference)
        {
            error.WriteLine($"tvdctl: {d.Subject}");
            return null;
        }

        return d;
    }
}
