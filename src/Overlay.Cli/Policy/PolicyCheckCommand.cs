using System.CommandLine;

namespace Overlay.Cli.Policy;

/// <summary><c>tvdctl policy check FILE</c>: <c>ok</c> (exit 0) or every error as file:line:column (exit 2).</summary>
internal static class PolicyCheckCommand
{
    public static Command Create()
    {
        var command = new Command("check", "Validate a policy file: prints ok, or every error as file:line:column: message");
        command.Arguments.Add(PolicyFile.Argument);
        command.SetAction(parse =>
        {
            var policy = PolicyFile.Load(parse.GetValue(PolicyFile.Argument)!, Console.Out, printWarnings: true);
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
