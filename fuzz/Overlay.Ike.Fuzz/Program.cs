using System.Diagnostics;
using System.Security.Cryptography;

namespace Overlay.Ike.Fuzz;

/// <summary>
/// A self-contained mutation fuzzer for IKE message decoding and attested IKE's decoders (no native tools needed;
/// SharpFuzz would need afl-fuzz or libfuzzer-dotnet). Usage:
/// <code>
/// Overlay.Ike.Fuzz [--seconds N] [--seed N] [--corpus DIR]... [--crashes DIR]
/// Overlay.Ike.Fuzz --replay FILE...
/// </code>
/// Seeds are .hex files (the strongSwan captures in tests/Overlay.Ike.Tests/Fixtures/strongswan).
/// Each input that throws is written to the crash directory as crash-&lt;sha1&gt;.hex, which the
/// regular test suite replays; the exit code is 1 when any was found.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var options = Options.Parse(args);
        if (options.Replay.Count > 0)
        {
            return Replay(options.Replay);
        }

        var corpus = LoadCorpus(options.CorpusDirs);
        if (corpus.Count == 0)
        {
            Console.Error.WriteLine("no seeds: give --corpus with .hex files");
            return 2;
        }

        var stats = Fuzz(corpus, options);
        Console.WriteLine($"fuzz: {stats.Executions} executions in {stats.Elapsed.TotalSeconds:F0} s, corpus {corpus.Count}, features {stats.Features}, crashes {stats.Crashes}");
        return stats.Crashes == 0 ? 0 : 1;
    }

    private static (long Executions, TimeSpan Elapsed, int Features, int Crashes) Fuzz(List<byte[]> corpus, Options options)
    {
        var mutator = new Mutator(options.Seed);
        var features = new HashSet<string>();
        var crashes = new HashSet<string>();
        foreach (var seed in corpus)
        {
            features.Add(RunOne(seed, options.CrashDir, crashes) ?? "");
        }

        var clock = Stopwatch.StartNew();
        long executions = 0;
        while (clock.Elapsed < options.Duration)
        {
            var input = mutator.Mutate(corpus[mutator.Next(corpus.Count)], corpus);
            executions++;
            if (RunOne(input, options.CrashDir, crashes) is { } feature && features.Add(feature) && corpus.Count < 10_000)
            {
                corpus.Add(input);
            }
        }

        return (executions, clock.Elapsed, features.Count, crashes.Count);
    }

    /// <summary>Runs the target; on an exception saves the input (once per distinct input) and returns null.</summary>
    private static string? RunOne(byte[] input, string crashDir, HashSet<string> crashes)
    {
        try
        {
            return IkeDecodeTarget.Run(input) + "|" + AttestationDecodeTarget.Run(input);
        }
        catch (Exception e)
        {
            var name = $"crash-{Convert.ToHexStringLower(SHA1.HashData(input))}.hex";
            if (crashes.Add(name))
            {
                Directory.CreateDirectory(crashDir);
                File.WriteAllText(Path.Combine(crashDir, name), Convert.ToHexStringLower(input) + "\n");
                Console.Error.WriteLine($"crash saved as {name}: {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
            }

            return null;
        }
    }

    private static int Replay(IEnumerable<string> files)
    {
        var failed = 0;
        foreach (var file in files)
        {
            try
            {
                var input = Convert.FromHexString(File.ReadAllText(file).Trim());
                Console.WriteLine($"{file}: {IkeDecodeTarget.Run(input)}|{AttestationDecodeTarget.Run(input)}");
            }
            catch (Exception e)
            {
                failed++;
                Console.Error.WriteLine($"{file}: {e}");
            }
        }

        return failed == 0 ? 0 : 1;
    }

    private static List<byte[]> LoadCorpus(IEnumerable<string> dirs)
        => dirs.Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, "*.hex", SearchOption.AllDirectories))
            .Order(StringComparer.Ordinal)
            .Select(f => Convert.FromHexString(File.ReadAllText(f).Trim()))
            .ToList();

    private sealed record Options(TimeSpan Duration, ulong Seed, List<string> CorpusDirs, string CrashDir, List<string> Replay)
    {
        public static Options Parse(string[] args)
        {
            var options = new Options(TimeSpan.FromSeconds(60), 1, [], "fuzz-crashes", []);
            for (var i = 0; i < args.Length; i++)
            {
                string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                options = args[i] switch
                {
                    "--seconds" => options with { Duration = TimeSpan.FromSeconds(double.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture)) },
                    "--seed" => options with { Seed = ulong.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture) },
                    "--corpus" => options with { CorpusDirs = [.. options.CorpusDirs, Value()] },
                    "--crashes" => options with { CrashDir = Value() },
                    "--replay" => options with { Replay = [.. options.Replay, .. args[(i + 1)..]] },
                    _ => throw new ArgumentException($"unknown option {args[i]}"),
                };
                if (args[i] == "--replay")
                {
                    break;
                }
            }

            return options;
        }
    }
}
