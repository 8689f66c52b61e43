using Overlay.Ike.Encoding;
using Overlay.Ike.Tasks;
using TaskStatus = Overlay.Ike.Tasks.TaskStatus;

namespace Overlay.Ike.Sa;

/// <summary>
/// A message that waits for our attestation evidence (a task answered <see cref="TaskStatus.Wait"/>): the
/// request is not sent and the response not given until <see cref="ResumeDeferred"/>, which builds it again
/// from scratch. Nothing waits on a thread: the SA's lock is free meanwhile, and the peer's retransmissions of
/// the request whose answer waits are dropped (the answer comes when ready). After
/// <see cref="IkeSaServices.EvidenceWait"/> the wait ends and the tasks go on without evidence.
/// </summary>
public sealed partial class TaskManager
{
    private bool _requestDeferred;
    private (IkeHeader Request, IReadOnlyList<byte[]?> Datagrams)? _responseDeferred;
    private DateTimeOffset? _deferredSince;
    private ITimer? _deferTimer;

    /// <summary>True once a deferred message has waited <see cref="IkeSaServices.EvidenceWait"/>: build it without evidence.</summary>
    internal bool EvidenceWaitExpired =>
        _deferredSince is { } since && _sa.Services.Time.GetUtcNow() - since >= _sa.Services.EvidenceWait;

    /// <summary>A refresh is queued or in flight (the SA runs one at a time).</summary>
    internal bool HasAttestationWork =>
        _queued.Any(t => t.Kind == TaskKind.Attestation) || _active.Any(t => t.Kind == TaskKind.Attestation);

    /// <summary>True while a response waits, so the peer's retransmission of its request is not processed twice.</summary>
    private bool IsResponseDeferred(uint messageId) => _responseDeferred is { } d && d.Request.MessageId == messageId;

    private void DeferRequest()
    {
        _requestDeferred = true;
        StartDeferTimer();
    }

    private void DeferResponse(IkeHeader request, IReadOnlyList<byte[]?> datagrams)
    {
        _responseDeferred = (request, datagrams);
        StartDeferTimer();
    }

    internal void ResumeDeferred()
    {
        if (_responseDeferred is { } response)
        {
            _responseDeferred = null;
            Respond(response.Request, response.Datagrams);
        }

        if (_requestDeferred)
        {
            _requestDeferred = false;
            if (!SendRequest())
            {
                _active.Clear();
                Initiate();
            }
        }

        if (!_requestDeferred && _responseDeferred is null)
        {
            _deferredSince = null;
            _deferTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    private void StartDeferTimer()
    {
        if (_deferredSince is not null)
        {
            return;
        }

        _deferredSince = _sa.Services.Time.GetUtcNow();
        _deferTimer ??= _sa.Services.Time.CreateTimer(_ => _sa.ResumeDeferred(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _deferTimer.Change(_sa.Services.EvidenceWait, Timeout.InfiniteTimeSpan);
    }

    private void DisposeDeferTimer()
    {
        _deferTimer?.Dispose();
        _deferTimer = null;
        _requestDeferred = false;
        _responseDeferred = null;
    }
}
