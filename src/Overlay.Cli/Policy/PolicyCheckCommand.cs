using System.CommandLine;
using Overlay.Cli.Output;
using Overlay.Labels.Loading;

namespace Overlay.Cli.Policy;

/// <summary>
/// <c>tvdctl policy check FILE [--json]</c>: <c>ok</c> (exit 0) or every error as file:line:column (exit 2). With
/// <c>--json</c> the diagnostics are the document, printed in both cases.
/// </summary>
internal static class PolicyCheckCommand
{
    public static Command Create()
    {
        var json = JsonOutput.Option();
        var command = new Command("check", "Validate a policy file: prints ok, or every error as file:line:column: message");
        command.Arguments.Add(PolicyFile.Argument);
        command.Options.Add(json);
        command.SetAction(parse =>
        {
            var path = parse.GetValue(PolicyFile.Argument)!;
            if (parse.GetValue(json))
            {
                var result = PolicyLoader.LoadFile(path);
                JsonOutput.Write(Console.Out, w =>
                {
                    w.WriteStartObject();
                    w.WriteString("file", path);
                    w.WriteBoolean("ok", result.Succeeded);
                    w.WriteNumber("errors", result.Errors.Count());
                    w.WriteNumber("warnings", result.Warnings.Count());
                    PolicyJson.WriteDiagnostics(w, "diagnostics", result.Diagnostics);
                    w.WriteEndObject();
                });
                return result.Succeeded ? ExitCodes.Ok : ExitCodes.BadInput;
            }

            var policy = PolicyFile.Load(path, Console.Out, printWarnings: true);
            if (policy is null)
            {
                return ExitCodes.BadInput;
            }

            Console.WriteLine("ok");
            return ExitCodes.Ok;
        });
        return command;
    }
}
