using System.CommandLine;
using Overlay.Labels.Compiled;
using Overlay.Labels.Decisions;
using Overlay.Labels.Engine;

namespace Overlay.Cli.Policy;

/// <summary>
/// <c>tvdctl policy explain FILE --attach GUEST --resource NAME</c>,
/// <c>tvdctl policy explain FILE --start GUEST [--running G1,G2,…] [--host H]</c>,
/// <c>tvdctl policy explain FILE --carry TVD --between H1 H2</c> and
/// <c>tvdctl policy explain FILE --join TVD --host H [--evidence FILE [--at TIME]]</c>:
/// the decision the daemon would take, with its reason. Exit 0 allow, 1 deny, 2 bad input.
/// </summary>
internal static partial class PolicyExplainCommand
{
    private static readonly Option<string> Attach = new("--attach") { Description = "Guest to bind (with --resource)" };
    private static readonly Option<string> Resource = new("--resource") { Description = "Network or volume to bind the guest to" };
    private static readonly Option<string> Start = new("--start") { Description = "Guest to start" };
    private static readonly Option<string> Running = new("--running") { Description = "Guests already running on the host, comma-separated" };
    private static readonly Option<string> Host = new("--host")
    {
        Description = "Host to start on (default: the first host in the file); with --join, the peer host that would join",
    };
    private static readonly Option<string> Carry = new("--carry") { Description = "TVD (name or wire label) to carry between two hosts (with --between)", HelpName = "TVD" };

    private static readonly Option<bool> Json = Output.JsonOutput.Option();

    private static readonly Option<string[]> Between = new("--between")
    {
        Description = "The two hosts: this one, then the peer",
        HelpName = "H1 H2",
        Arity = new ArgumentArity(2, 2),
        AllowMultipleArgumentsPerToken = true,
    };

    public static Command Create()
    {
        var command = new Command("explain",
            "Explain the decision for binding a guest to a resource, starting it next to running guests, carrying a TVD between two hosts, or a host joining a TVD's network (with the evidence it would show)");
        command.Arguments.Add(PolicyFile.Argument);
        foreach (var option in new Option[] { Attach, Resource, Start, Running, Host, Carry, Between, Join, Evidence, At, Json })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse => Run(parse, Console.Out, Console.Error));
        return command;
    }

    private static int Run(ParseResult parse, TextWriter output, TextWriter error)
    {
        var (attach, start, carry, join) = (parse.GetValue(Attach), parse.GetValue(Start), parse.GetValue(Carry), parse.GetValue(Join));
        if (Usage(parse, attach, start, carry, join) is { } usage)
        {
            error.WriteLine($"tvdctl: {usage}");
            return ExitCodes.BadInput;
        }

        var policyPath = parse.GetValue(PolicyFile.Argument)!;
        var policy = PolicyFile.Load(policyPath, error, printWarnings: false);
        if (policy is null)
        {
            return ExitCodes.BadInput;
        }

        if (join is not null && parse.GetValue(Evidence) is { } evidence)
        {
            return ExplainEvidence(policy, policyPath, join, parse.GetValue(Host)!, evidence, parse.GetValue(At), parse.GetValue(Json), output, error);
        }

        var engine = new PolicyEngine(policy);
        var decision = attach is not null ? ExplainAttach(engine, attach, parse.GetValue(Resource)!, error)
            : start is not null ? ExplainStart(engine, policy, start, parse.GetValue(Running), parse.GetValue(Host), error)
            : carry is not null ? ExplainCarry(engine, policy, carry, parse.GetValue(Between)!, error)
            : ExplainJoin(engine, policy, join!, parse.GetValue(Host)!, error);
        if (decision is not { } d)
        {
            return ExitCodes.BadInput;
        }

        if (parse.GetValue(Json))
        {
            WriteJson(output, d, policy, evidencePath: null, appraisal: null);
            return d.Allowed ? ExitCodes.Ok : ExitCodes.Denied;
        }

        output.WriteLine(d.ToString());
        if (d is { Action: DecisionAction.Join, Requirement: { } requirement })
        {
            WhatMustBeProved(policy, requirement, d.Tvd!, d.PeerHost!, output);
        }

        return d.Allowed ? ExitCodes.Ok : ExitCodes.Denied;
    }

    /// <summary>What is wrong with the combination of options, or null: exactly one question, with its own options only.</summary>
    private static string? Usage(ParseResult parse, string? attach, string? start, string? carry, string? join)
    {
        var questions = (attach is null ? 0 : 1) + (start is null ? 0 : 1) + (carry is null ? 0 : 1) + (join is null ? 0 : 1);
        var resource = parse.GetValue(Resource) is not null;
        var between = parse.GetResult(Between) is not null;
        var host = parse.GetValue(Host) is not null;
        var evidence = parse.GetValue(Evidence) is not null;
        return questions switch
        {
            > 1 => "give only one of --attach, --start, --carry and --join",
            _ when attach is not null && !resource => "--attach needs --resource",
            _ when attach is null && resource => "--resource goes with --attach",
            _ when start is null && parse.GetValue(Running) is not null => "--running goes with --start",
            _ when start is null && join is null && host => "--host goes with --start or --join",
            _ when carry is not null && !between => "--carry needs --between H1 H2",
            _ when carry is null && between => "--between goes with --carry",
            _ when join is not null && !host => "--join needs --host H (the host that would join)",
            _ when join is null && evidence => "--evidence goes with --join",
            _ when !evidence && parse.GetValue(At) is not null => "--at goes with --evidence",
            0 => "give --attach GUEST --resource NAME, --start GUEST, --carry TVD --between H1 H2, or --join TVD --host H",
            _ => null,
        };
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

    /// <summary>
    /// The TVD by name (what the policy file says) or, failing that, by wire label (what IKE logs show);
    /// the engine then decides by label, as it does for a CHILD_SA.
    /// </summary>
    private static Decision? ExplainCarry(PolicyEngine engine, CompiledPolicy policy, string tvd, string[] hosts, TextWriter error)
    {
        var found = policy.FindTvd(tvd) ?? policy.FindTvdByLabel(tvd);
        if (found is null)
        {
            error.WriteLine($"tvdctl: unknown TVD '{tvd}'");
            return null;
        }

        var d = engine.Carry(found.WireLabel, hosts[0], hosts[1]);
        if (d.Rule == DecisionRule.UnknownReference)
        {
            error.WriteLine($"tvdctl: {d.Subject}");
            return null;
        }

        return d;
    }
}
