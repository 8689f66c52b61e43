using System.Security.Cryptography;
using Overlay.Demo.BoincServer.Protocol;

namespace Overlay.Demo.BoincServer.Project;

/// <summary>What one scheduler RPC answers: the work units sent, the results acknowledged.</summary>
internal sealed record SchedulerDecision(IReadOnlyList<WorkUnit> Send, IReadOnlyList<string> Acks, DateTimeOffset Now);

/// <summary>
/// The project: its work units, the protocol steps each went through, the clients seen and the refusals. One lock
/// guards all of it (a demo serves one or two clients); every change rewrites the status file. The step logic
/// lives in ProjectState.Scheduler.cs and ProjectState.Files.cs, the status JSON in ProjectState.Status.cs.
/// </summary>
internal sealed partial class ProjectState
{
    /// <summary>Distinct client addresses remembered; more are only counted.</summary>
    public const int MaxClients = 64;

    private readonly Lock _lock = new();
    private readonly ServerOptions _options;
    private readonly TimeProvider _time;
    private readonly ServerLog _log;
    private readonly List<WorkUnit> _units = [];
    private readonly Dictionary<string, WorkUnit> _byResult = new(StringComparer.Ordinal);
    private readonly Dictionary<string, WorkUnit> _byInput = new(StringComparer.Ordinal);
    private readonly Dictionary<string, WorkUnit> _byOutput = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ClientSeen> _clients = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _requests = new(StringComparer.Ordinal);
    private readonly Dictionary<RejectReason, long> _rejects = [];
    private long _otherClients;
    private bool _allValidLogged;

    private sealed class ClientSeen
    {
        public DateTimeOffset First { get; init; }

        public DateTimeOffset Last { get; set; }

        public long Requests { get; set; }
    }

    /// <summary>Creates the work units (fresh random seeds) and writes their input files under DATA/download.</summary>
    public ProjectState(ServerOptions options, TimeProvider time, ServerLog log)
    {
        _options = options;
        _time = time;
        _log = log;
        Directory.CreateDirectory(options.DownloadDir);
        Directory.CreateDirectory(options.UploadDir);
        for (int i = 1; i <= options.Units; i++)
        {
            var unit = new WorkUnit(i, options.Rounds, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));
            _units.Add(unit);
            _byResult[unit.ResultName] = unit;
            _byInput[unit.InputName] = unit;
            _byOutput[unit.OutputName] = unit;
            File.WriteAllBytes(Path.Combine(options.DownloadDir, unit.InputName), unit.Input);
            File.Delete(Path.Combine(options.UploadDir, unit.OutputName));
        }

        WriteStatusFile();
    }

    public ServerOptions Options => _options;

    public IReadOnlyList<WorkUnit> Units => _units;

    /// <summary>True when every work unit's result was reported and validated.</summary>
    public bool AllValid
    {
        get
        {
            lock (_lock)
            {
                return _units.All(u => u.Outcome == "valid");
            }
        }
    }

    /// <summary>Counts a request of <paramref name="kind"/> from <paramref name="client"/>.</summary>
    public void Seen(string client, string kind)
    {
        lock (_lock)
        {
            _requests[kind] = _requests.GetValueOrDefault(kind) + 1;
            var now = _time.GetUtcNow();
            if (_clients.TryGetValue(client, out var seen))
            {
                seen.Last = now;
                seen.Requests++;
            }
            else if (_clients.Count < MaxClients)
            {
                _clients[client] = new ClientSeen { First = now, Last = now, Requests = 1 };
            }
            else
            {
                _otherClients++;
            }
        }
    }

    /// <summary>Counts and logs a refused request.</summary>
    public void Reject(string client, string what, ProtocolException refusal)
    {
        lock (_lock)
        {
            _rejects[refusal.Reason] = _rejects.GetValueOrDefault(refusal.Reason) + 1;
            WriteStatusFile();
        }

        _log.Line($"reject {what} from {client}: {ProtocolException.Key(refusal.Reason)}: {refusal.Message}");
    }

    public long RejectCount(RejectReason reason)
    {
        lock (_lock)
        {
            return _rejects.GetValueOrDefault(reason);
        }
    }

    /// <summary>The input file named <paramref name="name"/> (already checked by <see cref="FileNames"/>), or a refusal.</summary>
    public WorkUnit Download(string name, string client)
    {
        lock (_lock)
        {
            if (!_byInput.TryGetValue(name, out var unit))
            {
                throw new ProtocolException(RejectReason.UnknownFile, $"no input file '{name}'");
            }

            unit.DownloadedAt ??= _time.GetUtcNow();
            WriteStatusFile();
            return unit;
        }
    }
}
