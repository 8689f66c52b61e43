using System.Xml;

namespace Overlay.Demo.BoincServer.Protocol;

/// <summary>A result the client reports as done: its name, exit status and client-side state.</summary>
/// <param name="State">The client's RESULT state: 5 means its output files are uploaded (client/result.h).</param>
internal readonly record struct ReportedResult(string Name, long ExitStatus, long State);

/// <summary>
/// What this server reads of a client's <c>&lt;scheduler_request&gt;</c> (the POST body of a scheduler RPC,
/// client/cs_scheduler.cpp): who asks, whether it asks for work, and the results it reports. The rest of the
/// request (host info, preferences, in-progress results) is read past without being kept.
/// </summary>
/// <example>
/// <code>
/// &lt;scheduler_request&gt;
///     &lt;authenticator&gt;0123...&lt;/authenticator&gt;  &lt;hostid&gt;0&lt;/hostid&gt;  &lt;platform_name&gt;x86_64-pc-linux-gnu&lt;/platform_name&gt;
///     &lt;core_client_major_version&gt;7&lt;/core_client_major_version&gt; ...
///     &lt;work_req_seconds&gt;8640.0&lt;/work_req_seconds&gt;  &lt;cpu_req_secs&gt;..&lt;/cpu_req_secs&gt;  &lt;cpu_req_instances&gt;..&lt;/cpu_req_instances&gt;
///     &lt;result&gt; &lt;name&gt;wu_1_0&lt;/name&gt; &lt;exit_status&gt;0&lt;/exit_status&gt; &lt;state&gt;5&lt;/state&gt; ... &lt;/result&gt;
/// &lt;/scheduler_request&gt;
/// </code>
/// </example>
internal sealed class SchedulerRequest
{
    /// <summary>Results reported in one request, at most.</summary>
    public const int MaxResults = 1000;

    /// <summary>The client's RESULT_FILES_UPLOADED state (client/result.h).</summary>
    public const long StateFilesUploaded = 5;

    public string Authenticator { get; private set; } = "";

    public long HostId { get; private set; }

    public string Platform { get; private set; } = "";

    public string ClientVersion { get; private set; } = "";

    /// <summary>Seconds of work the client asks for (work_req_seconds, or cpu_req_secs of 7.x work fetch).</summary>
    public double WorkSeconds { get; private set; }

    /// <summary>Idle CPUs the client wants to fill (cpu_req_instances).</summary>
    public double WorkInstances { get; private set; }

    public bool WantsWork => WorkSeconds > 0 || WorkInstances > 0;

    public List<ReportedResult> Results { get; } = [];

    /// <summary>True when the request lists the client's tasks in progress (&lt;other_results&gt;; 7.x always does).</summary>
    public bool HasOtherResults { get; private set; }

    /// <summary>The results the client still holds, not yet reported (&lt;other_results&gt;&lt;other_result&gt;&lt;name&gt;).</summary>
    public HashSet<string> OtherResults { get; } = new(StringComparer.Ordinal);

    /// <summary>Parses a request body; throws <see cref="ProtocolException"/> for anything malformed.</summary>
    public static SchedulerRequest Parse(ReadOnlyMemory<byte> body)
    {
        var request = new SchedulerRequest();
        using var stream = new MemoryStream(body.ToArray(), writable: false);
        using XmlReader reader = BoincXml.Create(stream, maxCharacters: body.Length + 64L);
        BoincXml.ReadRoot(reader, "scheduler_request");
        int major = -1, minor = -1, release = -1;
        bool inResult = false, inOtherResults = false;
        string? resultName = null;
        long exitStatus = 0, state = 0;
        bool advance = true; // false when a value read already moved the reader to the next node
        while (!advance || BoincXml.Read(reader))
        {
            advance = true;
            if (inResult && reader.NodeType == XmlNodeType.EndElement && reader.Depth == 1)
            {
                request.AddResult(resultName, exitStatus, state);
                inResult = false;
                continue;
            }

            if (reader.NodeType != XmlNodeType.Element)
            {
                continue;
            }

            if (inResult && reader.Depth == 2)
            {
                advance = false;
                switch (reader.LocalName)
                {
                    case "name": resultName = BoincXml.ReadValue(reader); break;
                    case "exit_status": exitStatus = BoincXml.ReadLong(reader); break;
                    case "state": state = BoincXml.ReadLong(reader); break;
                    default: advance = true; break;
                }

                continue;
            }

            if (reader is { Depth: 3, LocalName: "name" } && inOtherResults)
            {
                string name = BoincXml.ReadValue(reader);
                advance = false;
                if (request.OtherResults.Count >= MaxResults)
                {
                    throw new ProtocolException(RejectReason.TooLarge, $"more than {MaxResults} results in progress listed");
                }

                request.OtherResults.Add(name);
                continue;
            }

            if (reader.Depth != 1)
            {
                continue;
            }

            inOtherResults = reader.LocalName == "other_results" && !reader.IsEmptyElement;
            request.HasOtherResults |= reader.LocalName == "other_results";

            if (reader.LocalName == "result")
            {
                (resultName, exitStatus, state) = (null, 0, 0);
                if (reader.IsEmptyElement)
                {
                    request.AddResult(null, 0, 0);
                }

                inResult = !reader.IsEmptyElement;
                continue;
            }

            advance = false;
            switch (reader.LocalName)
            {
                case "authenticator": request.Authenticator = BoincXml.ReadValue(reader); break;
                case "hostid": request.HostId = BoincXml.ReadLong(reader); break;
                case "platform_name": request.Platform = BoincXml.ReadValue(reader); break;
                case "core_client_major_version": major = (int)BoincXml.ReadLong(reader); break;
                case "core_client_minor_version": minor = (int)BoincXml.ReadLong(reader); break;
                case "core_client_release": release = (int)BoincXml.ReadLong(reader); break;
                case "work_req_seconds": request.WorkSeconds = Math.Max(request.WorkSeconds, BoincXml.ReadDouble(reader)); break;
                case "cpu_req_secs": request.WorkSeconds = Math.Max(request.WorkSeconds, BoincXml.ReadDouble(reader)); break;
                case "cpu_req_instances": request.WorkInstances = BoincXml.ReadDouble(reader); break;
                default: advance = true; break;
            }
        }

        if (major >= 0)
        {
            request.ClientVersion = $"{major}.{minor}.{release}";
        }

        return request;
    }

    private void AddResult(string? name, long exitStatus, long state)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new ProtocolException(RejectReason.MalformedXml, "a reported <result> has no <name>");
        }

        if (Results.Count >= MaxResults)
        {
            throw new ProtocolException(RejectReason.TooLarge, $"more than {MaxResults} results reported in one request");
        }

        Results.Add(new ReportedResult(name, exitStatus, state));
    }
}
