namespace Overlay.Ike.Sa;

/// <summary>
/// Retransmission of our in-flight request (RFC 7296 §2.1, §2.4): resend the same octets (every fragment, RFC 7383 §2.6) after
/// InitialTimeout × Backoff^n; after MaxRetransmits unanswered resends the peer is dead and the
/// IKE SA is destroyed. Only the initiator of an exchange retransmits.
/// </summary>
public sealed partial class TaskManager
{
    private IReadOnlyList<byte[]>? _inFlightRequest;
    private int _retransmits;
    private ITimer? _retransmitTimer;

    private void StartRetransmitting(IReadOnlyList<byte[]> request)
    {
        _inFlightRequest = request;
        _retransmits = 0;
        Send(request);
        ArmRetransmitTimer(_sa.Services.Retransmit.TimeoutAfter(0));
    }

    private void StopRetransmitting()
    {
        _inFlightRequest = null;
        _retransmitTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    private void ArmRetransmitTimer(TimeSpan due)
    {
        _retransmitTimer ??= _sa.Services.Time.CreateTimer(_ => OnRetransmitTimerExpired(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _retransmitTimer.Change(due, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The retransmit timer fired: resend the in-flight request, or give up on the peer.</summary>
    internal void OnRetransmitTimerExpired()
    {
        lock (_sa.Sync)
        {
            if (_inFlightRequest is null || _sa.State == IkeSaState.Destroyed)
            {
                return; // the answer arrived while the timer was firing
            }

            var policy = _sa.Services.Retransmit;
            if (_retransmits >= policy.MaxRetransmits)
            {
                string detail = $"no answer to our {ExchangeName(_activeExchange)} request after {_retransmits} retransmits";
                _sa.ReportFailure(IkeFailureReason.RetransmitsExhausted, detail);
                _sa.Destroy($"peer did not answer after {_retransmits} retransmits");
                return;
            }

            _retransmits++;
            Stats.Retransmits++;
            Send(_inFlightRequest);
            ArmRetransmitTimer(policy.TimeoutAfter(_retransmits));
        }
    }

    private static string ExchangeName(IkeExchangeType exchange) => exchange switch
    {
        IkeExchangeType.IkeSaInit => "IKE_SA_INIT",
        IkeExchangeType.IkeAuth => "IKE_AUTH",
        IkeExchangeType.CreateChildSa => "CREATE_CHILD_SA",
        _ => "INFORMATIONAL",
    };

    private void DisposeTimer()
    {
        _retransmitTimer?.Dispose();
        _retransmitTimer = null;
    }
}
