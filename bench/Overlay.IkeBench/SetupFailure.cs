using Overlay.Ike.Sa;

namespace Overlay.IkeBench;

/// <summary>Where a setup stopped short of its CHILD_SA; the storm's summary counts failures by these names.</summary>
public enum SetupFailure
{
    None,

    /// <summary>IKE_SA_INIT never completed: unanswered, refused (e.g. NO_PROPOSAL_CHOSEN) or retransmits exhausted.</summary>
    IkeSaInit,

    /// <summary>Keys were agreed but IKE_AUTH failed or went unanswered until the SA died.</summary>
    IkeAuth,

    /// <summary>The IKE SA is up but the CHILD_SA was refused (e.g. TS_UNACCEPTABLE for the label).</summary>
    ChildRefused,

    /// <summary>Still negotiating when the setup timeout passed.</summary>
    Timeout,
}

public static class SetupFailures
{
    /// <summary>Why <paramref name="sa"/>, whose CHILD_SA was not installed, got no further.</summary>
    public static SetupFailure Of(IkeSa sa) => sa switch
    {
        { State: IkeSaState.Established, ChildFailureReason: not null } => SetupFailure.ChildRefused,
        { State: IkeSaState.Destroyed, Keys: null } => SetupFailure.IkeSaInit,
        { State: IkeSaState.Destroyed } => SetupFailure.IkeAuth,
        _ => SetupFailure.Timeout,
    };

    /// <summary>The name in the summary line: snake_case.</summary>
    public static string Name(SetupFailure failure) => failure switch
    {
        SetupFailure.IkeSaInit => "ike_sa_init",
        SetupFailure.IkeAuth => "ike_auth",
        SetupFailure.ChildRefused => "child_refused",
        SetupFailure.Timeout => "timeout",
        _ => "none",
    };
}
