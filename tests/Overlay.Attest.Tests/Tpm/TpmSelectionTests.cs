using Microsoft.Extensions.Logging;
using Overlay.Attest.Structures;
using Overlay.Attest.Tpm;

namespace Overlay.Attest.Tests.Tpm;

[Collection(Fixtures.SwtpmCollection.Name)]
public sealed class TpmSelectionTests
{
    private sealed class RecordingLogger : ILogger
    {
        public List<(LogLevel Level, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((logLevel, formatter(state, exception)));
    }

    [Fact]
    public void WithoutATpmDeviceTheEmbeddedSwtpmStartsAndWarns()
    {
        var state = Path.Combine("/tmp", $"tvdsel-{Guid.NewGuid():N}"[..19]);
        var logger = new RecordingLogger();
        try
        {
            using (var selection = TpmSelection.Resolve(null, state, logger, hardwareDevice: "/dev/tvd-no-tpm"))
            {
                Assert.NotNull(selection.Embedded);
                Assert.Equal($"swtpm:path={state}/swtpm/tpm.sock", selection.Tcti);
                var warning = Assert.Single(logger.Entries);
                Assert.Equal(LogLevel.Warning, warning.Level);
                Assert.Contains("NO hardware root of trust", warning.Message);

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
        var logger = new RecordingLogger();
        using var selection = TpmSelection.Resolve("device:/dev/tpmrm0", "/nonexistent", logger);
        Assert.Equal("device:/dev/tpmrm0", selection.Tcti);
        Assert.Null(selection.Embedded);
        Assert.Empty(logger.Entries);
    }
}
