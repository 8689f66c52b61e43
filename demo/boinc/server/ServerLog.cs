namespace Overlay.Demo.BoincServer;

/// <summary>One line per protocol step, for the demo to show and grep: "2026-12-06T10:00:00.123Z master page to 10.99.0.2".</summary>
internal sealed class ServerLog(TextWriter output, TimeProvider time)
{
    private readonly Lock _lock = new();

    public void Line(string message)
    {
        string stamp = time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        lock (_lock)
        {
            output.WriteLine($"{stamp} {message}");
            output.Flush();
        }
    }
}
