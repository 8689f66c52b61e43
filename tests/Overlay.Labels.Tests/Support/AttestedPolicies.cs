using Overlay.Labels.Compiled;

namespace Overlay.Labels.Tests.Support;

/// <summary>
/// examples/policy.toml (red and blue require `known-good`, green nothing; host1 runs every type, host2 red and
/// green) with `known-good` at <paramref name="maxAge"/> seconds and a host3 that runs green only.
/// </summary>
internal static class AttestedPolicies
{
    public static readonly DateTimeOffset Now = new(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);

    public static CompiledPolicy Example(int maxAge = 60) => TestPolicies.FromText(
        TestPolicies.ExampleText().Replace("max_age = 60 ", $"max_age = {maxAge} ", StringComparison.Ordinal)
        + "\n[[host]]\nname = \"host3\"\ntypes = [\"green\"]\n");
}
