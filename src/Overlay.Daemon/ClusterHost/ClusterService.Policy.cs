using Overlay.Cluster.Records;
using Overlay.Cluster.Store;
using Overlay.Daemon.Policy;

namespace Overlay.Daemon.ClusterHost;

/// <summary>
/// The store's policy (<c>policy/current</c>). A version newer than the running one is written to
/// <c>&lt;state_dir&gt;/cluster/policy-v&lt;version&gt;.toml</c> and offered to <see cref="PolicyStore.ReloadFromCluster"/> — the
/// loader, the host check, the requirement files and the engine's test-then-commit of a SIGHUP reload, with the push's
/// <c>revoke</c> — and the outcome goes to <c>results/&lt;host&gt;</c>. The version running already (same text) is
/// reported committed without a reload; an older one, or the running version with other text, is refused (this host
/// runs something newer). A result the store could not take is written when it is back. Relative paths in a pushed
/// policy resolve against <c>&lt;state_dir&gt;/cluster/</c> (docs/cluster.md: name files by absolute path).
/// </summary>
public sealed partial class ClusterService
{
    private readonly string _policyDirectory;
    private string? _runningSha;
    private (long Version, string Sha)? _handled;
    private PolicyResult? _unwritten;
    private string? _lastInvalid;

    /// <summary>What this host makes of <c>policy/current</c> now; null when there is nothing (new) to say.</summary>
    private PolicyResult? Offer(StoreKeyValue? current)
    {
        if (current is not { } kv)
        {
            _state.SetStoreVersion(0);
            return null; // no policy in the store yet: the bootstrap file's stays
        }

        if (!PolicyRecord.TryParse(kv.Value, out PolicyRecord record, out string error))
        {
            if (_lastInvalid != error)
            {
                _lastInvalid = error;
                ClusterLog.PolicyRecordInvalid(_logger, error);
            }

            return null;
        }

        _state.SetStoreVersion(record.Version);
        if (_handled == (record.Version, record.Sha256))
        {
            return null;
        }

        _handled = (record.Version, record.Sha256);
        LoadedPolicy running = _policy.Current;
        long version = running.Policy.Version;
        PolicyResult result;
        if (record.Version > version)
        {
            result = Apply(record);
        }
        else if (record.Version == version && record.Sha256 == _runningSha)
        {
            result = Result(record, PolicyResult.Committed, $"version {version} is running", []);
        }
        else
        {
            string why = record.Version == version
                ? $"this host runs version {version} from {running.SourceFile} with other text than the store's version {version}"
                : $"this host runs version {version} ({running.SourceFile}), newer than the store's version {record.Version}";
            result = Result(record, PolicyResult.Refused, why + $"; keeping version {version}", [why]);
        }

        ClusterLog.PolicyOffered(_logger, record.Version, record.PushedBy, record.PushedAt, result.Result, result.Summary);
        return result;
    }

    private PolicyResult Apply(PolicyRecord record)
    {
        if (PolicyRecord.HashOf(record.Toml) != record.Sha256)
        {
            return Result(record, PolicyResult.Refused, "the record's sha256 is not that of its toml", ["sha256 mismatch: the record was not written by tvdctl policy push"]);
        }

        string file = Path.Combine(_policyDirectory, $"policy-v{record.Version}.toml");
        try
        {
            Directory.CreateDirectory(_policyDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            string temporary = file + ".tmp";
            File.WriteAllText(temporary, record.Toml);
            File.Move(temporary, file, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ClusterLog.PolicyFileFailed(_logger, file, e.Message);
            _handled = null; // try again on the next wake
            return Result(record, PolicyResult.Refused, $"cannot write {file}: {e.Message}", [$"cannot write {file}: {e.Message}"]);
        }

        ReloadReport report = _policy.ReloadFromCluster(file, record.Revoke);
        if (report.Committed)
        {
            _runningSha = record.Sha256;
            MarkCommitted(file);
        }

        RemoveOldPolicyFiles();
        return Result(record, report.Committed ? PolicyResult.Committed : PolicyResult.Refused, report.Summary,
            report.Committed ? [] : report.Problems);
    }

    /// <summary>The file a restart starts from while the store is away (<see cref="PolicyBootstrap"/>), replaced atomically.</summary>
    private void MarkCommitted(string file)
    {
        string marker = PolicyBootstrap.CommittedMarker(_config);
        try
        {
            File.WriteAllText(marker + ".tmp", Path.GetFileName(file) + "\n");
            File.Move(marker + ".tmp", marker, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ClusterLog.PolicyFileFailed(_logger, marker, e.Message);
        }
    }

    /// <summary>Only the running policy's file stays (a refused candidate's goes).</summary>
    private void RemoveOldPolicyFiles()
    {
        string running = _policy.Current.SourceFile;
        try
        {
            foreach (string file in Directory.EnumerateFiles(_policyDirectory, "policy-v*.toml").Where(f => f != running))
            {
                File.Delete(file);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ClusterLog.PolicyFileFailed(_logger, _policyDirectory, e.Message);
        }
    }

    private PolicyResult Result(PolicyRecord record, string result, string summary, IReadOnlyList<string> conflicts) => new()
    {
        Host = _config.Host,
        Version = record.Version,
        Running = result == PolicyResult.Committed ? record.Version : _policy.Current.Policy.Version,
        Result = result,
        Summary = Bounded(summary, PolicyResult.MaxSummaryLength),
        Conflicts = [.. conflicts.Take(PolicyResult.MaxConflicts).Select(c => Bounded(c, PolicyResult.MaxConflictLength))],
        At = _time.GetUtcNow(),
    };

    /// <summary>Printable and within the record's bound (a conflict may quote a file's text).</summary>
    private static string Bounded(string text, int max)
    {
        string printable = new([.. text.Select(c => char.IsControl(c) ? ' ' : c)]);
        printable = printable.Length == 0 ? "-" : printable;
        return printable.Length <= max ? printable : printable[..(max - 1)] + "…";
    }

    private static string? HashOfFile(string path)
    {
        try
        {
            return PolicyRecord.HashOf(File.ReadAllText(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
