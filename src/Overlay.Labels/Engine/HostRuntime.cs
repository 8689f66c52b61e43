using Overlay.Labels.Compiled;
using Overlay.Labels.Decisions;

namespace Overlay.Labels.Engine;

/// <summary>The guests running on one host, in start order, and their counted types.</summary>
internal sealed class HostRuntime(CompiledHost host, int typeCount)
{
    public CompiledHost Host { get; } = host;

    public RunningTypes Types { get; } = new(typeCount);

    public List<CompiledGuest> Guests { get; } = [];

    public void Add(CompiledGuest guest)
    {
        Guests.Add(guest);
        Types.Add(guest);
    }

    public bool Remove(string guestName)
    {
        var index = Guests.FindIndex(g => g.Name == guestName);
        if (index < 0)
        {
            return false;
        }

        Types.Remove(Guests[index]);
        Guests.RemoveAt(index);
        return true;
    }

    /// <summary>The first running guest holding a type: names the witness of a Chinese Wall denial.</summary>
    public string? HolderOf(int typeId) => Guests.Find(g => g.AllTypes.Contains(typeId))?.Name;
}
