using System.Text;
using System.Text.RegularExpressions;
using Overlay.Daemon.Configuration;
using Overlay.Daemon.DataPlaneHost;
using Overlay.Daemon.GuestHost;
using Overlay.Daemon.Tests.Support;
using Overlay.Labels.Compiled;
using Overlay.Labels.Loading;

namespace Overlay.Daemon.Tests.Docs;

/// <summary>
/// Every <c>```toml</c> snippet in docs/*.md, README.md and examples/ parses with the real loader — the daemon's config
/// loader for overlayd.toml snippets, the policy loader for policy snippets — and the examples/ two-host IKE pair loads
/// and binds as the daemon would start it. A failure names the doc's file:line.
/// <para>
/// Which loader: the snippet's tables decide (a policy table — <c>[policy]</c>, <c>[[tvd]]</c>, <c>[[attestation]]</c>,
/// <c>[[conflict_set]]</c>, <c>[[network]]</c>, <c>[[volume]]</c>, <c>[[host]]</c>, or a <c>[[guest]]</c> with
/// <c>types</c> — makes it a policy snippet), or a marker on the line before the fence:
/// <c>&lt;!-- docs-check: policy --&gt;</c> or <c>&lt;!-- docs-check: daemon --&gt;</c>. There is no skip: a snippet that
/// cannot load is a wrong doc.
/// </para>
/// <para>
/// Snippets are parts of a file, so each is completed by an example: a daemon snippet by the <c>[daemon]</c> and
/// <c>[dataplane]</c> tables of examples/ike-pair/h1.overlayd.toml it lacks, a policy snippet by examples/policy.toml
/// (the policy docs/policy.md walks through) minus the tables the snippet itself defines (the same header and
/// <c>name</c>). The snippet comes first, so an error's line is the snippet's own.
/// </para>
/// </summary>
public sealed partial class DocsSnippetTests
{
    private static readonly string[] PolicyTables = ["policy", "tvd", "attestation", "conflict_set", "network", "volume", "host"];

    public sealed record Snippet(string File, int FenceLine, string Text, string Kind)
    {
        public override string ToString() => $"{File}:{FenceLine} ({Kind})";
    }

    public static TheoryData<Snippet> Snippets()
    {
        var data = new TheoryData<Snippet>();
        foreach (Snippet s in Find())
        {
            data.Add(s);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Snippets))]
    public void Each_toml_snippet_in_the_docs_parses_with_the_real_loader(Snippet snippet)
    {
        string[] errors = snippet.Kind == "policy" ? PolicyErrors(snippet) : DaemonErrors(snippet);

        Assert.True(errors.Length == 0, $"{snippet.File}:{snippet.FenceLine}: this ```toml snippet does not load:\n" + string.Join("\n", errors));
    }

    [Fact]
    public void The_docs_have_toml_snippets_of_both_kinds()
    {
        List<Snippet> all = Find();
        Assert.True(all.Count(s => s.Kind == "policy") >= 6, string.Join(", ", all));
        Assert.True(all.Count(s => s.Kind == "daemon") >= 6, string.Join(", ", all));
    }

    [Theory]
    [InlineData("h1")]
    [InlineData("h2")]
    public void The_examples_two_host_ike_pair_loads_and_binds_as_the_daemon_would_start_it(string host)
    {
        string dir = Path.Combine(RepoFiles.Root, "examples", "ike-pair");
        var policy = PolicyLoader.LoadFile(Path.Combine(dir, "policy.toml"));
        Assert.True(policy.Succeeded, string.Join("\n", policy.Errors));
        CompiledPolicy compiled = CompiledPolicy.Compile(policy.Policy!);

        // As shipped, the placeholder key is refused (everyone has it); with a key put in, as the file says, it loads.
        ConfigLoadResult shipped = DaemonConfigLoader.LoadFile(Path.Combine(dir, $"{host}.overlayd.toml"));
        Assert.Contains("'psk' is the example's placeholder", Assert.Single(shipped.Errors).Message, StringComparison.Ordinal);
        ConfigLoadResult config = LoadWithKey(dir, host);
        Assert.True(config.Succeeded, string.Join("\n", config.Errors));
        DaemonConfig c = config.Config!;
        Assert.Equal(host, c.Host);
        Assert.NotNull(compiled.FindHost(host));
        var errors = new List<ConfigError>();
        Assert.NotNull(DataPlaneBinder.Bind(c.DataPlane!, compiled, errors));
        Assert.True(GuestBinder.Check(c, compiled, errors));
        Assert.Empty(errors);

        // The pair: each names the other as its peer, with the same key, and the other's underlay address.
        string other = host == "h1" ? "h2" : "h1";
        DaemonConfig peer = LoadWithKey(dir, other).Config!;
        Assert.Equal(peer.DataPlane!.Underlay, Assert.Single(c.DataPlane!.Peers, p => p.Name == other).Address);
        Assert.Equal(c.Ike!.PeerSettings(other).Psk, peer.Ike!.PeerSettings(host).Psk);
    }

    /// <summary>The example's config with its placeholder PSK replaced by one key (the same for both hosts).</summary>
    private static ConfigLoadResult LoadWithKey(string dir, string host)
    {
        string path = Path.Combine(dir, $"{host}.overlayd.toml");
        string text = File.ReadAllText(path).Replace("REPLACE with: openssl rand -base64 32", "dGVzdCBrZXkgb2YgdGhlIGV4YW1wbGUgcGFpciAxMjM=", StringComparison.Ordinal);
        return DaemonConfigLoader.Load(text, path);
    }

    private static string[] DaemonErrors(Snippet snippet)
    {
        string baseFile = Path.Combine(RepoFiles.Root, "examples", "ike-pair", "h1.overlayd.toml");
        string text = Complete(snippet.Text, File.ReadAllText(baseFile), key => key is "[daemon]" or "[dataplane]");
        ConfigLoadResult result = DaemonConfigLoader.Load(text, baseFile);
        return [.. result.Errors.Select(e => Locate(snippet, e.Location.Line, e.Message))];
    }

    private static string[] PolicyErrors(Snippet snippet)
    {
        string text = Complete(snippet.Text, File.ReadAllText(RepoFiles.ExamplePolicy), _ => true);
        var result = PolicyLoader.Load(text, RepoFiles.ExamplePolicy);
        return [.. result.Errors.Select(e => Locate(snippet, e.Location.Line, e.Message))];
    }

    /// <summary>An error's place in the doc, or in the example that completed the snippet.</summary>
    private static string Locate(Snippet snippet, int line, string message)
    {
        int own = snippet.Text.Split('\n').Length;
        return line >= 1 && line <= own
            ? $"{snippet.File}:{snippet.FenceLine + line}: {message}"
            : $"{snippet.File}:{snippet.FenceLine}: (in the example completing it, line {line - own - 1}) {message}";
    }

    /// <summary>The snippet, then the base file's tables (those <paramref name="take"/> allows) the snippet does not define itself.</summary>
    private static string Complete(string snippet, string baseText, Func<string, bool> take)
    {
        var own = Blocks(snippet).Select(b => b.Key).Where(k => k is not null).ToHashSet();
        var kept = new StringBuilder();
        foreach (var block in Blocks(baseText))
        {
            if (block.Key is not null && !own.Contains(block.Key) && take(block.Key))
            {
                kept.Append(block.Text);
            }
        }

        return snippet + "\n" + kept;
    }

    /// <summary>TOML text cut at each table header; a block's key is its header and, in an array of tables, its name.</summary>
    private static List<(string? Key, string Text)> Blocks(string text)
    {
        var blocks = new List<(string? Key, string Text)>();
        string? header = null;
        var current = new StringBuilder();
        foreach (string line in text.Split('\n'))
        {
            if (Header().Match(line) is { Success: true } m)
            {
                blocks.Add((BlockKey(header, current.ToString()), current.ToString()));
                header = m.Groups[1].Value;
                current.Clear();
            }

            current.Append(line).Append('\n');
        }

        blocks.Add((BlockKey(header, current.ToString()), current.ToString()));
        return blocks;
    }

    private static string? BlockKey(string? header, string text) =>
        header is null ? null
        : header.StartsWith("[[", StringComparison.Ordinal) ? $"{header} {Name().Match(text).Groups[1].Value}"
        : header;

    private static List<Snippet> Find()
    {
        var files = Directory.GetFiles(Path.Combine(RepoFiles.Root, "docs"), "*.md")
            .Concat(Directory.GetFiles(Path.Combine(RepoFiles.Root, "examples"), "*.md", SearchOption.AllDirectories))
            .Append(Path.Combine(RepoFiles.Root, "README.md"))
            .Order(StringComparer.Ordinal);
        var snippets = new List<Snippet>();
        foreach (string file in files)
        {
            string[] lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
            {
                if (lines[i].Trim() != "```toml")
                {
                    continue;
                }

                int end = Array.FindIndex(lines, i + 1, l => l.TrimStart().StartsWith("```", StringComparison.Ordinal));
                Assert.True(end > i, $"{file}:{i + 1}: ```toml without its closing fence");
                string text = string.Join('\n', lines[(i + 1)..end]);
                Match marker = Marker().Match(i > 0 ? lines[i - 1] : "");
                string kind = marker.Success ? marker.Groups[1].Value : KindOf(text);
                snippets.Add(new Snippet(Path.GetRelativePath(RepoFiles.Root, file), i + 1, text, kind));
                i = end;
            }
        }

        return snippets;
    }

    private static string KindOf(string text)
    {
        var headers = text.Split('\n').Select(l => Header().Match(l)).Where(m => m.Success)
            .Select(m => m.Groups[1].Value.Trim('[', ']')).ToList();
        bool policy = headers.Any(h => PolicyTables.Contains(h))
            || (headers.Contains("guest") && TypesKey().IsMatch(text) && !BackendKey().IsMatch(text));
        return policy ? "policy" : "daemon";
    }

    [GeneratedRegex(@"^\s*(\[\[?[A-Za-z0-9_.\-]+\]\]?)")]
    private static partial Regex Header();

    [GeneratedRegex(@"(?m)^\s*name\s*=\s*""([^""]*)""")]
    private static partial Regex Name();

    [GeneratedRegex(@"^\s*<!--\s*docs-check:\s*(policy|daemon)\s*-->")]
    private static partial Regex Marker();

    [GeneratedRegex(@"(?m)^\s*types\s*=")]
    private static partial Regex TypesKey();

    [GeneratedRegex(@"(?m)^\s*backend\s*=")]
    private static partial Regex BackendKey();
}
