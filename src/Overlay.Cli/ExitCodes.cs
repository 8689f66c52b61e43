namespace Overlay.Cli;

/// <summary>Exit codes shared by every verb, so scripts can tell a verdict from a mistake.</summary>
internal static class ExitCodes
{
    /// <summary>ok, allow, valid.</summary>
    public const int Ok = 0;

    /// <summary>deny, invalid, untrusted: a verdict, not an error.</summary>
    public const int Denied = 1;

    /// <summary>bad input: unreadable file, unknown name, wrong usage.</summary>
    public const int BadInput = 2;
}
