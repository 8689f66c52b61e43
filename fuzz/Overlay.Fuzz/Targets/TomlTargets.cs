using System.Text;
using Overlay.Daemon.Configuration;
using Overlay.Labels.Loading;

namespace Overlay.Fuzz.Targets;

/// <summary>
/// The policy file (policy.toml) as <c>PolicyLoader.LoadFile</c> reads it: strict UTF-8, then TOML, schema and
/// validation. Oracles: loading the same text twice gives the same diagnostics (no state leaks between loads), every
/// error has a location inside the text, and loading stays within an allocation bound.
/// </summary>
public sealed class PolicyTomlTarget : FuzzTarget
{
    public const int AllocationPerByte = 512;
    public const int AllocationFixed = 4 << 20;

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    public override string Name => "policy-toml";

    public override string TestProject => "Overlay.Labels.Tests";

    public override string Description => "policy TOML: load and validate; same diagnostics twice, located errors, allocation bound";

    protected override void Execute(ReadOnlySpan<byte> input)
    {
        string text;
        try
        {
            text = StrictUtf8.GetString(input);
        }
        catch (DecoderFallbackException)
        {
            return; // LoadFile refuses it with a message before any TOML is read
        }

        var start = Oracles.AllocatedBytes();
        var first = PolicyLoader.Load(text, "fuzz.toml");
        Oracles.CheckAllocation("PolicyLoader.Load", start, input.Length, AllocationPerByte, AllocationFixed);
        var second = PolicyLoader.Load(text, "fuzz.toml");
        var a = string.Join('\n', first.Diagnostics.Select(d => d.ToString()));
        var b = string.Join('\n', second.Diagnostics.Select(d => d.ToString()));
        Oracles.Check(a == b && first.Succeeded == second.Succeeded, "the same policy text loads to different results");
    }

    public override IEnumerable<(string Name, byte[] Data)> Seeds(string repositoryRoot)
    {
        foreach (var file in TomlSeeds.Find(repositoryRoot, "[[tvd]]", "[policy]"))
        {
            yield return file;
        }
    }
}

/// <summary>
/// The daemon's configuration file (overlayd.toml) as <c>DaemonConfigLoader.LoadFile</c> reads it. Relative paths
/// resolve under a directory that does not exist, so no input reads a file. Oracles as for the policy.
/// </summary>
public sealed class DaemonConfigTarget : FuzzTarget
{
    public const int AllocationPerByte = 512;
    public const int AllocationFixed = 4 << 20;

    private const string ConfigPath = "/nonexistent-fuzz/overlayd.toml";

    public override string Name => "daemon-config";

    public override string TestProject => "Overlay.Daemon.Tests";

    public override string Description => "daemon config TOML: load; same errors twice, allocation bound";

    protected override void Execute(ReadOnlySpan<byte> input)
    {
        var text = Encoding.UTF8.GetString(input);
        var start = Oracles.AllocatedBytes();
        var first = DaemonConfigLoader.Load(text, ConfigPath);
        Oracles.CheckAllocation("DaemonConfigLoader.Load", start, input.Length, AllocationPerByte, AllocationFixed);
        var second = DaemonConfigLoader.Load(text, ConfigPath);
        var a = string.Join('\n', first.Errors.Select(e => e.ToString()));
        var b = string.Join('\n', second.Errors.Select(e => e.ToString()));
        Oracles.Check(a == b && first.Succeeded == second.Succeeded, "the same config text loads to different results");
    }

    public override IEnumerable<(string Name, byte[] Data)> Seeds(string repositoryRoot)
    {
        foreach (var file in TomlSeeds.Find(repositoryRoot, "[daemon]"))
        {
            yield return file;
        }
    }
}

/// <summary>
/// The repository's TOML that contains a marker: the example and packaged files, test fixtures, and the ```toml blocks
/// of docs/*.md (what a user copies).
/// </summary>
internal static class TomlSeeds
{
    public static IEnumerable<(string Name, byte[] Data)> Find(string repositoryRoot, params string[] markers)
    {
        foreach (var doc in Directory.EnumerateFiles(Path.Combine(repositoryRoot, "docs"), "*.md").Order(StringComparer.Ordinal))
        {
            var blocks = File.ReadAllText(doc).Split("```");
            for (var i = 1; i < blocks.Length; i += 2)
            {
                if (blocks[i].StartsWith("toml\n", StringComparison.Ordinal) && markers.Any(m => blocks[i].Contains(m, StringComparison.Ordinal)))
                {
                    yield return ($"{Path.GetFileNameWithoutExtension(doc)}-{i / 2}.toml", Encoding.UTF8.GetBytes(blocks[i]["toml\n".Length..]));
                }
            }
        }

        string[] roots = ["examples", "packaging", "netns-lab", Path.Combine("tests")];
        foreach (var root in roots.Select(r => Path.Combine(repositoryRoot, r)).Where(Directory.Exists))
        {
            foreach (var file in Directory.EnumerateFiles(root, "*.toml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                if (file.Contains("/bin/") || file.Contains("/obj/") || file.Contains("FuzzCases"))
                {
                    continue;
                }

                var bytes = File.ReadAllBytes(file);
                var text = Encoding.UTF8.GetString(bytes);
                if (bytes.Length <= 64 * 1024 && markers.Any(m => text.Contains(m, StringComparison.Ordinal)))
                {
                    yield return (Path.GetRelativePath(repositoryRoot, file).Replace('/', '-'), bytes);
                }
            }
        }
    }
}
