using System.CommandLine;
using Overlay.Cli.Output;
using Overlay.Labels.Compiled;

namespace Overlay.Cli.Policy;

/// <summary>
/// <c>tvdctl policy show FILE [--json]</c>: what a policy enforces, as tables (attestation requirements included), or
/// as one JSON document with an array per table and the warnings (errors go to stderr, exit 2, as without --json).
/// </summary>
internal static class PolicyShowCommand
{
    public static Command Create()
    {
        var command = new Command("show", "Print the TVDs, attestation requirements, conflict sets, guests, resources and hosts of a policy");
        var json = JsonOutput.Option();
        command.Arguments.Add(PolicyFile.Argument);
        command.Options.Add(json);
        command.SetAction(parse =>
        {
            var path = parse.GetValue(PolicyFile.Argument)!;
            if (parse.GetValue(json))
            {
                var policy = PolicyFile.Load(path, Console.Error, printWarnings: false, out var warnings);
                if (policy is null)
                {
                    return ExitCodes.BadInput;
                }

                JsonOutput.Write(Console.Out, w => PolicyJson.WritePolicy(w, policy, warnings));
                return ExitCodes.Ok;
            }

            var compiled = PolicyFile.Load(path, Console.Out, printWarnings: true);
            if (compiled is null)
            {
                return ExitCodes.BadInput;
            }

            Print(compiled, Console.Out);
            return ExitCodes.Ok;
        });
        return command;
    }

    internal static void Print(CompiledPolicy p, TextWriter o)
    {
        o.WriteLine($"policy {p.Name} version {p.Version} ({p.Definition.SourceFile})");
        o.WriteLine();
        var tvds = p.Tvds.Select(t => new[]
        {
            t.Name, t.Definition.Description, t.Definition.SteType, t.VlanId.ToString(), t.WireLabel, t.Definition.Attestation ?? "-",
        });
        Table.Write(o, ["TVD", "DESCRIPTION", "TYPE", "VLAN", "IKE LABEL", "ATTESTATION"], tvds);
        o.WriteLine();
        var attestations = p.Attestations.Select(a => new[]
        {
            a.Name,
            a.PcrSelection,
            ReferenceSources(a),
            $"{a.MaxAge.TotalSeconds:0} s",
            a.SoftwareTpmAllowed ? "accepted" : "refused",
            Dash(a.AkPins.Keys.ToList()),
            Dash(a.AkCas.Select(c => c.Path).ToList()),
            Dash(p.TvdsRequiring(a).Select(t => t.Name).ToList()),
        });
        Table.Write(o, ["ATTESTATION", "PCRS", "REFERENCE VALUES", "MAX AGE", "SOFTWARE TPM", "AK PINS", "AK CAS", "TVDS"], attestations);
        o.WriteLine();
        Table.Write(o, ["CONFLICT SET", "TYPES"], p.ConflictSets.Select(s => new[] { s.Name, string.Join(", ", p.TypeNames(s.Types)) }));
        o.WriteLine();
        var guests = p.Guests.Select(g => new[]
        {
            g.Name, string.Join(", ", g.Definition.SteTypes), Dash(g.Definition.CwTypes), Dash(g.Definition.Networks),
        });
        Table.Write(o, ["GUEST", "STE TYPES", "CW TYPES", "NETWORKS"], guests);
        o.WriteLine();
        var resources = p.Resources.Select(r => new[]
        {
            r.Name, r.Kind == ResourceKind.Network ? "network" : "volume", string.Join(", ", p.TypeNames(r.SteTypes)), r.Tvd?.Name ?? "-",
        });
        Table.Write(o, ["RESOURCE", "KIND", "STE TYPES", "TVD"], resources);
        o.WriteLine();
        Table.Write(o, ["HOST", "MAY RUN"], p.Hosts.Select(h => new[] { h.Name, h.AllowsEveryType ? "* (every type)" : string.Join(", ", h.Definition.Types) }));
    }

    /// <summary>Where a requirement's reference values come from: the file (resolved), inline lines, or both.</summary>
    internal static string ReferenceSources(CompiledAttestation a)
    {
        var inline = a.ReferenceLines.Count switch
        {
            0 => null,
            1 => "1 inline line",
            var n => $"{n} inline lines",
        };
        return (a.ReferenceValues, inline) switch
        {
            ({ } file, null) => file.Path,
            ({ } file, { } lines) => $"{file.Path} + {lines}",
            (null, { } lines) => lines,
            _ => "-",
        };
    }

    private static string Dash(IReadOnlyList<string> items) => items.Count == 0 ? "-" : string.Join(", ", items);
}
