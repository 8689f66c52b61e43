using SharpFuzz;

namespace Overlay.Fuzz;

/// <summary>
/// The fuzz targets' entry point (docs/fuzzing.md). Usage:
/// <code>
/// Overlay.Fuzz list                                  the targets, their FuzzCases folders and oracles
/// Overlay.Fuzz run TARGET                            under afl-fuzz (SharpFuzz's fork server; reads inputs from AFL)
/// Overlay.Fuzz replay TARGET FILE...                 runs files through the target; exit 1 when any fails
/// Overlay.Fuzz seeds TARGET DIR [REPO]               writes the target's seeds and its FuzzCases into DIR
/// Overlay.Fuzz signature TARGET FILE                 "ok", or the failure's exception type and where it was thrown
/// </code>
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 0)
        {
            return Usage();
        }

        switch (args[0])
        {
            case "list":
                foreach (var t in FuzzTargets.All)
                {
                    Console.WriteLine($"{t.Name,-18} {t.CasesFolder,-52} {t.Description}");
                }

                return 0;
            case "run" when args.Length == 2 && FuzzTargets.Names.Contains(args[1]):
                // Out of process: a hang or a stack overflow ends one child, not the campaign. The target is made
                // inside the loop: instrumented code must not run before SharpFuzz has mapped AFL's shared memory.
                FuzzTarget? fuzzed = null;
                Fuzzer.OutOfProcess.Run(stream => (fuzzed ??= FuzzTargets.Create(args[1])!).Run(ReadAll(stream)));
                return 0;
            case "replay" when args.Length >= 3 && Find(args[1]) is { } target:
                return Replay(target, args[2..]);
            case "signature" when args.Length == 3 && Find(args[1]) is { } target:
                Console.WriteLine(Signature(target, File.ReadAllBytes(args[2])));
                return 0;
            case "seeds" when args.Length is 3 or 4 && Find(args[1]) is { } target:
                return WriteSeeds(target, args[2], args.Length == 4 ? args[3] : Directory.GetCurrentDirectory());
            default:
                return Usage();
        }
    }

    private static FuzzTarget? Find(string name)
    {
        var target = FuzzTargets.Find(name);
        if (target is null)
        {
            Console.Error.WriteLine($"no target '{name}'; targets: {string.Join(", ", FuzzTargets.Names)}");
        }

        return target;
    }

    private static byte[] ReadAll(Stream stream)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    private static int Replay(FuzzTarget target, string[] files)
    {
        var failed = 0;
        foreach (var file in files)
        {
            try
            {
                target.Run(File.ReadAllBytes(file));
                Console.WriteLine($"{file}: ok");
            }
            catch (Exception e)
            {
                failed++;
                Console.WriteLine($"{file}: {e}");
            }
        }

        return failed == 0 ? 0 : 1;
    }

    /// <summary>What tells one bug from another among many crashing inputs: the exception type and its top frames.</summary>
    private static string Signature(FuzzTarget target, byte[] input)
    {
        try
        {
            target.Run(input);
            return "ok";
        }
        catch (FuzzOracleException e)
        {
            // Which oracle on what: the message without its numbers.
            return "oracle:" + new string([.. e.Message.Where(c => !char.IsAsciiDigit(c))]);
        }
        catch (Exception e)
        {
            var frames = new System.Diagnostics.StackTrace(e).GetFrames().Select(f => f.GetMethod())
                .Where(m => m?.DeclaringType?.Namespace?.StartsWith("Overlay.Fuzz", StringComparison.Ordinal) != true)
                .Take(3).Select(m => $"{m?.DeclaringType?.Name}.{m?.Name}");
            return $"{e.GetType().Name}@{string.Join('<', frames)}";
        }
    }

    private static int WriteSeeds(FuzzTarget target, string directory, string repositoryRoot)
    {
        Directory.CreateDirectory(directory);
        var count = 0;
        foreach (var (name, data) in target.Seeds(repositoryRoot))
        {
            File.WriteAllBytes(Path.Combine(directory, "seed-" + name), data);
            count++;
        }

        var cases = Path.Combine(repositoryRoot, target.CasesFolder);
        if (Directory.Exists(cases))
        {
            foreach (var file in Directory.EnumerateFiles(cases))
            {
                // afl-fuzz refuses to start from an input that crashes: a case still open is no seed.
                try
                {
                    target.Run(File.ReadAllBytes(file));
                }
                catch (Exception e)
                {
                    Console.Error.WriteLine($"{file}: still fails ({e.GetType().Name}), not a seed");
                    continue;
                }

                File.Copy(file, Path.Combine(directory, "case-" + Path.GetFileName(file)), overwrite: true);
                count++;
            }
        }

        Console.WriteLine($"{target.Name}: {count} seeds in {directory}");
        return count > 0 ? 0 : 1;
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: Overlay.Fuzz list | run TARGET | replay TARGET FILE... | seeds TARGET DIR [REPO] | signature TARGET FILE");
        return 2;
    }
}
