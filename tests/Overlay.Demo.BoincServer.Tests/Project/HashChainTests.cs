using System.Diagnostics;
using System.Text;
using Overlay.Demo.BoincServer.Project;

namespace Overlay.Demo.BoincServer.Tests.Project;

public sealed class HashChainTests
{
    // The real client ran demo/boinc/app/tvd_hashchain.sh on this input and uploaded this output (Fixtures/upload_request.bin).
    private const string Seed = "a0649e2ad09f589b482be6c45d0b9c2d";
    private const string After50 = "613d233a95a56a740fd98bc227a66ea8b40231d1a0d955ac1e0f3640d25c14ba";

    [Fact]
    public void Compute_matches_what_the_app_returned_to_the_real_client()
    {
        Assert.Equal(After50, HashChain.Compute(Seed, 50));
    }

    [Fact]
    public void One_round_is_the_sha256_hex_of_the_seed_text()
    {
        // printf '%s' abc | sha256sum
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", HashChain.Compute("abc", 1));
        Assert.Equal("abc", HashChain.Compute("abc", 0));
    }

    [Fact]
    public void Input_is_rounds_then_seed_one_per_line()
    {
        Assert.Equal($"50\n{Seed}\n", Encoding.ASCII.GetString(HashChain.Input(50, Seed)));
    }

    [Theory]
    [InlineData("50 " + After50 + "\n", null)]
    [InlineData("50 " + After50, null)]
    [InlineData("49 " + After50 + "\n", "output claims 49 rounds, the work unit asked 50")]
    [InlineData("50 " + "0000000000000000000000000000000000000000000000000000000000000000\n", "hash differs from the recomputed chain")]
    [InlineData("50\n", "output is not 'ROUNDS HEX'")]
    [InlineData("", "output is not 'ROUNDS HEX'")]
    [InlineData("-50 " + After50, "output is not 'ROUNDS HEX'")]
    [InlineData("50  " + After50, "output is not 'ROUNDS HEX'")]
    public void Problem_names_what_is_wrong_with_an_output(string output, string? problem)
    {
        Assert.Equal(problem, HashChain.Problem(Encoding.ASCII.GetBytes(output), 50, After50));
    }

    [Fact]
    public void An_output_over_the_bound_is_refused_without_being_parsed()
    {
        var big = new byte[HashChain.MaxOutputBytes + 1];
        Assert.Equal($"output is {big.Length} bytes, more than {HashChain.MaxOutputBytes}", HashChain.Problem(big, 50, After50));
    }

    [Fact]
    public void The_demo_app_script_computes_the_same_chain()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(Path.Combine(dir.Path, "in.txt"), HashChain.Input(7, "tvd-seed"));
        var psi = new ProcessStartInfo("/bin/sh", Path.Combine(TestFiles.AppDir, "tvd_hashchain.sh")) { WorkingDirectory = dir.Path, RedirectStandardError = true };
        using var sh = Process.Start(psi)!;
        string stderr = sh.StandardError.ReadToEnd();
        Assert.True(sh.WaitForExit(10_000), "the app did not finish in 10 s");
        Assert.True(sh.ExitCode == 0, stderr);
        byte[] output = File.ReadAllBytes(Path.Combine(dir.Path, "out.txt"));
        Assert.Null(HashChain.Problem(output, 7, HashChain.Compute("tvd-seed", 7)));
        Assert.Equal("0", File.ReadAllText(Path.Combine(dir.Path, "boinc_finish_called")).Trim());
    }
}
