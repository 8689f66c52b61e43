using Overlay.Attest.Structures;
using Overlay.Attest.Tpm;

namespace Overlay.Attest.Tests.Tpm;

[Collection(Fixtures.SwtpmCollection.Name)]
public sealed class TpmSelectionTests
{
    [Fact]
    public void WithoutATpmDeviceTheEmbeddedSwtpmStartsAndSaysItIsSoftware()
    {
        var state = Path.Combine("/tmp", $"tvdsel-{Guid.NewGuid():N}"[..19]);
        try
        {
            using (var selection = TpmSelection.Resolve(null, Path.Combine(state, "swtpm"), hardwareDevice: "/dev/tvd-no-tpm"))
            {
                Assert.Equal(TpmKind.EmbeddedSwtpm, selection.Kind);
                Assert.NotNull(selection.Embedded);
                Assert.Equal($"swtpm:path={state}/swtpm/tpm.sock", selection.Tcti);
                Assert.True(selection.IsSoftware);

                using var device = TpmDevice.Open(selection.Tcti);
                Assert.Equal(24, device.ReadPcrs(PcrSelection.Sha256(Enumerable.Range(0, 24).ToArray())).Digests.Count);
                Assert.True(File.Exists(Path.Combine(state, "swtpm", "tpm2-00.permall")));
                var pid = selection.Embedded.ProcessId;
                selection.Dispose();
                Assert.False(File.Exists($"/proc/{pid}/status") && !File.ReadAllText($"/proc/{pid}/status").Contains("zombie"));
            }
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    [Fact]
    public void ConfiguredTctiIsUsedAsGiven()
    {
        using var selection = TpmSelection.Resolve("device:/dev/tpmrm0", "/nonexistent");

        Assert.Equal((TpmKind.ConfiguredTcti, "device:/dev/tpmrm0"), (selection.Kind, selection.Tcti));
        Assert.Null(selection.Embedded);
        Assert.False(selection.IsSoftware);
    }

    [Fact]
    public void AConfiguredSwtpmIsSoftwareToo()
    {
        using var selection = TpmSelection.Resolve("swtpm:path=/run/x/tpm.sock", "/nonexistent");

        Assert.True(selection.IsSoftware);
        Assert.Null(selection.Embedded);
    }

    [Fact]
    public void ASwtpmOfALiveProcessOfThisProgramIsNotTakenOver()
    {
        var state = Path.Combine("/tmp", $"tvdsel-{Guid.NewGuid():N}"[..19]);
        try
        {
            // Started by this test host: its owner is alive and runs this program, as a second daemon's would be.
            using var owned = EmbeddedSwtpm.Start(state);

            var refused = Assert.Throws<SwtpmInUseException>(() => TpmSelection.Resolve(TpmSelection.EmbeddedTcti, state));

            Assert.Equal((owned.ProcessId, Environment.ProcessId), (refused.SwtpmPid, refused.OwnerPid));
            Assert.Equal(owned.SocketPath, refused.SocketPath);
            Assert.True(File.Exists($"/proc/{owned.ProcessId}/status"), "the owner's swtpm must keep running");
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }
}
