using Overlay.Labels.Model;

namespace Overlay.Benchmarks.Labels;

/// <summary>
/// The benchmark's policy: <c>tvds</c> TVDs, <c>guests</c> guests (guest i in TVD i mod tvds), every tenth
/// guest also holding one side of one of <c>conflictSets</c> Chinese Wall pairs, one host that may run all.
/// </summary>
internal static class SyntheticPolicy
{
    private static readonly SourceLocation Here = new("synthetic", 1, 1);

    public static PolicyDefinition Create(int tvds, int guests, int conflictSets)
    {
        var tvdDefs = Enumerable.Range(0, tvds)
            .Select(i => new TvdDefinition($"tvd{i}", "", $"tvd{i}", i + 1, $"tvd:tvd{i}", null, Here)).ToList();
        var sets = Enumerable.Range(0, conflictSets)
            .Select(i => new ConflictSetDefinition($"cs{i}", [$"cw{i}a", $"cw{i}b"], Here)).ToList();
        var guestDefs = Enumerable.Range(0, guests).Select(i =>
        {
            var k = i / 10;
            IReadOnlyList<string> cw = i % 10 == 0 ? [$"cw{k % conflictSets}{(k / conflictSets % 2 == 0 ? 'a' : 'b')}"] : [];
            return new GuestDefinition($"g{i}", [$"tvd{i % tvds}"], cw, [], Here);
        }).ToList();
        var networks = Enumerable.Range(0, tvds).Select(i => new NetworkDefinition($"net{i}", $"tvd{i}", Here)).ToList();
        return new PolicyDefinition("synthetic", 1, null, tvdDefs, sets, guestDefs, networks, [], [new HostDefinition("h0", [], true, Here)], "synthetic");
    }
}
