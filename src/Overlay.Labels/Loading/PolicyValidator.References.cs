using Overlay.Common.Toml;

namespace Overlay.Labels.Loading;

/// <summary>Every name a table refers to must be defined, and be of the right kind.</summary>
internal sealed partial class PolicyValidator
{
    private void CheckNetworks()
    {
        foreach (var network in _draft.Networks)
        {
            if (network.Tvd is { } tvd && !_tvdsByName.ContainsKey(tvd.Value))
            {
                ReportUnknown(tvd, "TVD", _tvdsByName.Keys, Describe("network", network.Name));
            }
        }
    }

    private void CheckGuests()
    {
        foreach (var guest in _draft.Guests)
        {
            var context = Describe("guest", guest.Name);
            CheckSteTypes(guest.SteTypes, context);
            foreach (var cwType in guest.CwTypes)
            {
                if (_cwTypes.Contains(cwType.Value))
                {
                    continue;
                }

                if (_steTypes.ContainsKey(cwType.Value))
                {
                    _diagnostics.Error(cwType.Location,
                        $"{context} lists STE type `{cwType.Value}` in `cw_types`, but it is in no conflict set; STE types go in `types`");
                }
                else
                {
                    ReportUnknown(cwType, "Chinese Wall type", _cwTypes, context);
                }
            }

            CheckGuestNetworks(guest, context);
        }
    }

    /// <summary>
    /// A NIC on a TVD network binds the guest to that TVD's type; STE allows the binding only when the guest
    /// holds the type, so such a guest could never start with its own networks.
    /// </summary>
    private void CheckGuestNetworks(GuestDraft guest, string context)
    {
        foreach (var networkName in guest.Networks)
        {
            if (!_networksByName.TryGetValue(networkName.Value, out var network))
            {
                ReportUnknown(networkName, "network", _networksByName.Keys, context);
                continue;
            }

            if (network.Tvd is not { } tvdName || !_tvdsByName.TryGetValue(tvdName.Value, out var tvd)
                || tvd.SteType is not { } type)
            {
                continue; // the network's own error was reported
            }

            if (!guest.SteTypes.Any(t => t.Value == type.Value) && !HasMisspelling(guest.SteTypes, type.Value))
            {
                _diagnostics.Error(networkName.Location,
                    $"{context} is on network `{networkName.Value}` of TVD `{tvdName.Value}` but does not hold its type `{type.Value}`; add `{type.Value}` to the guest's `types`");
            }
        }
    }

    /// <summary>
    /// True when one of <paramref name="types"/> is unknown but close to <paramref name="intended"/>: the
    /// misspelling was reported, and "does not hold `red`" on top of "unknown `rde`" would be the same mistake twice.
    /// </summary>
    private bool HasMisspelling(IReadOnlyList<Located<string>> types, string intended) =>
        types.Any(t => !_steTypes.ContainsKey(t.Value) && Suggestions.Closest(t.Value, [intended]) is not null);

    private void CheckVolumes()
    {
        foreach (var volume in _draft.Volumes)
        {
            CheckSteTypes(volume.SteTypes, Describe("volume", volume.Name));
        }
    }

    private void CheckHosts()
    {
        foreach (var host in _draft.Hosts)
        {
            foreach (var type in host.Types)
            {
                if (!_steTypes.ContainsKey(type.Value) && !_cwTypes.Contains(type.Value))
                {
                    ReportUnknown(type, "type", _steTypes.Keys.Concat(_cwTypes).Distinct(), Describe("host", host.Name));
                }
            }
        }
    }

    private void CheckSteTypes(IReadOnlyList<Located<string>> types, string context)
    {
        foreach (var type in types)
        {
            if (_steTypes.ContainsKey(type.Value))
            {
                continue;
            }

            if (_cwTypes.Contains(type.Value))
            {
                _diagnostics.Error(type.Location,
                    $"{context} lists `{type.Value}` in `types`, but it is a Chinese Wall type, not an STE type (no TVD has it); list it in `cw_types`");
            }
            else
            {
                ReportUnknown(type, "STE type", _steTypes.Keys, context);
            }
        }
    }
}
