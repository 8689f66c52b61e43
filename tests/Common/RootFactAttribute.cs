namespace Overlay.Tests.Common;

/// <summary>A fact that needs root (namespaces, TAP devices, AF_PACKET, AF_XDP); skipped with the reason, never passed, without it.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            Skip = "needs root (CAP_NET_ADMIN, CAP_NET_RAW)";
        }
    }
}
