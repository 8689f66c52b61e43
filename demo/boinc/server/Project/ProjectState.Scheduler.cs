using Overlay.Demo.BoincServer.Protocol;

namespace Overlay.Demo.BoincServer.Project;

internal sealed partial class ProjectState
{
    /// <summary>
    /// One scheduler RPC: the reported results are checked first (an unknown one refuses the whole request,
    /// nothing applied), then judged and acknowledged; then, if the client asks for work, every unsent work
    /// unit is sent to it.
    /// </summary>
    public SchedulerDecision Schedule(SchedulerRequest request, string client)
    {
        var lines = new List<string>();
        SchedulerDecision decision;
        lock (_lock)
        {
            foreach (var reported in request.Results)
            {
                if (!_byResult.TryGetValue(reported.Name, out var unit) || unit.SentAt is null)
                {
                    throw new ProtocolException(RejectReason.UnknownResult, $"result '{BoincXml.Shorten(reported.Name)}' was never sent by this server");
                }
            }

            var now = _time.GetUtcNow();
            var acks = new List<string>();
            foreach (var reported in request.Results)
            {
                lines.Add(Report(_byResult[reported.Name], reported, now));
                acks.Add(reported.Name);
            }

            var send = new List<WorkUnit>();
            // A result sent to this client that it neither reports nor lists in progress was lost (the client
            // discarded it, or was reset): sent again, as BOINC's "resend lost results" does.
            if (request.HasOtherResults)
            {
                foreach (var unit in _units.Where(u => u.SentTo == client && u.ReportedAt is null))
                {
                    if (!request.OtherResults.Contains(unit.ResultName) && !acks.Contains(unit.ResultName))
                    {
                        unit.SentAt = now;
                        unit.Resent++;
                        send.Add(unit);
                        lines.Add($"result {unit.ResultName} lost by {client} (not in its tasks in progress): sent again");
                    }
                }
            }

            if (request.WantsWork)
            {
                foreach (var unit in _units.Where(u => u.SentAt is null))
                {
                    unit.SentAt = now;
                    unit.SentTo = client;
                    send.Add(unit);
                }
            }

            string version = request.ClientVersion.Length > 0 ? $"client {request.ClientVersion}, " : "";
            string what = send.Count > 0
                ? "sent " + string.Join(", ", send.Select(u => u.Name))
                : request.WantsWork ? "no work left to send" : "no work asked";
            string reports = acks.Count > 0 ? $"; acked {string.Join(", ", acks)}" : "";
            lines.Insert(0, $"scheduler RPC from {client} ({version}hostid {request.HostId}): {what}{reports}");
            decision = new SchedulerDecision(send, acks, now);
            WriteStatusFile();
        }

        foreach (string line in lines)
        {
            _log.Line(line);
        }

        LogAllValidOnce();
        return decision;
    }

    // Judges one reported result: valid when it exited 0, its output was uploaded and is the recomputed chain.
    private string Report(WorkUnit unit, ReportedResult reported, DateTimeOffset now)
    {
        if (unit.Outcome is not null)
        {
            return $"result {unit.ResultName} reported again (already {unit.Outcome})";
        }

        unit.ReportedAt = now;
        unit.ExitStatus = reported.ExitStatus;
        unit.Reason = reported.ExitStatus != 0 ? $"the task exited with status {reported.ExitStatus}"
            : reported.State != SchedulerRequest.StateFilesUploaded ? $"the client reports state {reported.State}, not 5 (files uploaded)"
            : unit.UploadedBytes is null ? "no output was uploaded"
            : unit.UploadProblem;
        unit.Outcome = unit.Reason is null ? "valid" : "invalid";
        return unit.Reason is null
            ? $"result {unit.ResultName} reported: valid"
            : $"result {unit.ResultName} reported: invalid ({unit.Reason})";
    }

    private void LogAllValidOnce()
    {
        lock (_lock)
        {
            if (_allValidLogged || !_units.All(u => u.Outcome == "valid"))
            {
                return;
            }

            _allValidLogged = true;
        }

        _log.Line($"all work units valid ({_units.Count}/{_units.Count})");
    }
}
