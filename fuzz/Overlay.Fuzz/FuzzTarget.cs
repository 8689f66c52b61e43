namespace Overlay.Fuzz;

/// <summary>
/// One untrusted input of the daemon as a fuzz target. <see cref="Run"/> feeds one input through the code that would
/// receive it and applies the target's oracles; it throws when the code under test throws (bad input must end as
/// false, an error value or a counted drop) or when an oracle fails (<see cref="FuzzOracleException"/>). afl-fuzz
/// records both as crashes; the regression tests replay the saved cases through the same method.
/// </summary>
public abstract class FuzzTarget
{
    /// <summary>The target's name: the argument of <c>Overlay.Fuzz run</c> and the FuzzCases folder's name.</summary>
    public abstract string Name { get; }

    /// <summary>The test project (under tests/) whose FuzzCases/&lt;Name&gt;/ folder holds this target's cases.</summary>
    public abstract string TestProject { get; }

    /// <summary>One line: what an input is and which oracles apply.</summary>
    public abstract string Description { get; }

    private bool _warm;

    /// <summary>
    /// Runs one input. The first call in a process runs it once more before, with allocation checks off: a method's
    /// first call allocates for the runtime (type loading, static tables), which is no decoder's doing.
    /// </summary>
    public void Run(ReadOnlySpan<byte> input)
    {
        if (!_warm)
        {
            _warm = true;
            Oracles.AllocationChecks = false;
            try
            {
                Execute(input);
            }
            catch (Exception)
            {
                // The measured run below meets the same exception.
            }
            finally
            {
                Oracles.AllocationChecks = true;
            }
        }

        try
        {
            Execute(input);
        }
        catch (FuzzOracleException e) when (e.Allocation)
        {
            // The first input in a long-running (persistent) process to reach a path pays for the runtime's first use
            // of it (a resource string loaded for an exception message, a type initialised): found as a finding under
            // afl-fuzz that did not reproduce on replay. The same input again, now warm, tells the decoder's own
            // allocation from that: only an input over the bound twice running is a finding.
            Execute(input);
        }
    }

    /// <summary>Feeds one input through the code under test and applies the oracles.</summary>
    protected abstract void Execute(ReadOnlySpan<byte> input);

    /// <summary>Seed inputs taken from the repository's real data (captures, tool outputs, example files).</summary>
    public abstract IEnumerable<(string Name, byte[] Data)> Seeds(string repositoryRoot);

    /// <summary>The FuzzCases folder of this target, relative to the repository root.</summary>
    public string CasesFolder => Path.Combine("tests", TestProject, "FuzzCases", Name);
}

/// <summary>An oracle other than "no exception" failed: the input is a finding.</summary>
public sealed class FuzzOracleException(string message, bool allocation = false) : Exception(message)
{
    /// <summary>The allocation bound failed (see <see cref="Oracles.CheckAllocation"/>).</summary>
    public bool Allocation { get; } = allocation;
}
