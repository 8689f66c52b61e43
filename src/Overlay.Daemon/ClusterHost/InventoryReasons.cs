namespace Overlay.Daemon.ClusterHost;

/// <summary>Why a registration is not a peer (docs/cluster.md, "Who is a peer"): the contract's stable names.</summary>
public static class InventoryReasons
{
    public const string NotEnrolled = "not_enrolled";
    public const string AkMismatch = "ak_mismatch";
    public const string NotInPolicy = "not_in_policy";
    public const string InvalidRecord = "invalid_record";
    public const string Self = "self";
}
