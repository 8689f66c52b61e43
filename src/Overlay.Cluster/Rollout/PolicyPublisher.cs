using System.Globalization;
using Overlay.Cluster.Keys;
using Overlay.Cluster.Records;
using Overlay.Cluster.Store;

namespace Overlay.Cluster.Rollout;

/// <summary>The policy in the store as read before a push: <see cref="ModRevision"/> 0 when there is none;
/// <see cref="Error"/> set when a value exists but does not parse (a push may replace it).</summary>
public sealed record PolicyHead(PolicyRecord? Record, long ModRevision, string? Error)
{
    /// <summary>The version a new push must exceed (and names as the one it replaces).</summary>
    public long Version => Record?.Version ?? 0;
}

public enum PushStatus
{
    /// <summary>Written (current and history, in one transaction).</summary>
    Pushed,

    /// <summary>Another push changed <c>policy/current</c> since it was read: nothing written.</summary>
    LostRace,

    /// <summary>The version is not above the current one: nothing written.</summary>
    NotNewer,

    /// <summary>The record is larger than a policy value may be: nothing written.</summary>
    TooLarge,
}

/// <summary>A push's outcome; for <see cref="PushStatus.LostRace"/> <see cref="Winner"/> is the record that won (null
/// when it does not parse or was deleted). <see cref="Message"/> says it in a sentence for the operator.</summary>
public sealed record PushOutcome(PushStatus Status, long Revision, PolicyRecord? Winner, string Message, int HistoryPruned = 0);

/// <summary>
/// Writes a new policy version with a compare-and-swap on the <c>policy/current</c> it read: current and its history
/// entry in one transaction, only if nobody wrote current since. A concurrent push therefore loses cleanly and learns
/// the winner. A retry whose first attempt did land (the answer was lost) is recognized as our own push. After a push,
/// history is pruned to the newest <see cref="ClusterKeys.PolicyHistoryKept"/> versions.
/// </summary>
public sealed class PolicyPublisher(IClusterStore store, ClusterKeys keys)
{
    public async Task<PolicyHead> ReadCurrentAsync(CancellationToken ct)
    {
        var read = await store.GetAsync(keys.PolicyCurrent, ct).ConfigureAwait(false);
        if (read.Kv is not { } kv)
        {
            return new PolicyHead(null, 0, null);
        }

        return PolicyRecord.TryParse(kv.Value, out var record, out string error)
            ? new PolicyHead(record, kv.ModRevision, null)
            : new PolicyHead(null, kv.ModRevision, error);
    }

    /// <summary>Push <paramref name="record"/> over <paramref name="head"/> (what <see cref="ReadCurrentAsync"/> gave).
    /// The record's <see cref="PolicyRecord.Replaces"/> must be <paramref name="head"/>'s version.</summary>
    public async Task<PushOutcome> PushAsync(PolicyRecord record, PolicyHead head, CancellationToken ct)
    {
        if (record.Replaces != head.Version)
        {
            throw new ArgumentException($"the record replaces version {record.Replaces}, the store has {head.Version}", nameof(record));
        }

        if (record.Version <= head.Version)
        {
            return new PushOutcome(PushStatus.NotNewer, 0, head.Record,
                $"version {record.Version} is not above the store's version {head.Version}");
        }

        byte[] json = record.ToJson();
        if (json.Length > RecordJson.MaxPolicyBytes)
        {
            return new PushOutcome(PushStatus.TooLarge, 0, null,
                $"the policy record is {json.Length} bytes, more than the {RecordJson.MaxPolicyBytes} a policy value may be");
        }

        var cas = await store.PutIfModRevisionAsync(keys.PolicyCurrent, head.ModRevision, json, 0,
            [new StoreWrite(keys.PolicyHistory(record.Version), json)], ct).ConfigureAwait(false);
        if (!cas.Succeeded)
        {
            PolicyRecord? winner = cas.Current is { } kv && PolicyRecord.TryParse(kv.Value, out var w, out _) ? w : null;
            if (winner is null || !winner.SamePush(record))
            {
                return new PushOutcome(PushStatus.LostRace, cas.Revision, winner, LostMessage(winner));
            }
        }

        int pruned = await PruneHistoryAsync(ct).ConfigureAwait(false);
        return new PushOutcome(PushStatus.Pushed, cas.Revision, null, $"pushed version {record.Version}", pruned);
    }

    /// <summary>Deletes all history entries but the newest <see cref="ClusterKeys.PolicyHistoryKept"/>; returns how many.</summary>
    public async Task<int> PruneHistoryAsync(CancellationToken ct)
    {
        var history = await store.GetPrefixKeysAsync(keys.PolicyHistoryPrefix, ct).ConfigureAwait(false);
        var versions = history.Kvs
            .Select(kv => keys.TryHistoryVersion(kv.Key, out long v) ? v : 0)
            .Where(v => v > 0)
            .Order()
            .ToArray();
        int pruned = 0;
        foreach (long v in versions.SkipLast(ClusterKeys.PolicyHistoryKept))
        {
            if (await store.DeleteAsync(keys.PolicyHistory(v), ct).ConfigureAwait(false))
            {
                pruned++;
            }
        }

        return pruned;
    }

    private static string LostMessage(PolicyRecord? winner) => winner is null
        ? "lost to a concurrent change of policy/current (its value does not parse or was deleted)"
        : string.Create(CultureInfo.InvariantCulture, $"lost to version {winner.Version} pushed by {winner.PushedBy} at {winner.PushedAt:yyyy-MM-ddTHH:mm:ssZ}");
}
