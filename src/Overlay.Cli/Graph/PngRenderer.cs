using System.Diagnostics;

namespace Overlay.Cli.Graph;

/// <summary>
/// Renders an SVG file to PNG with a headless Chromium (Debian package <c>chromium</c>): a screenshot of the file's
/// <c>file://</c> URL at the picture's size, the way a user's browser shows it. tvdctl links no renderer of its own.
/// Chromium gets a throw-away profile directory and 60 s; <c>--no-sandbox</c> only when tvdctl runs as root (Chromium
/// refuses to start sandboxed as root).
/// </summary>
internal static class PngRenderer
{
    private static readonly string[] Names = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];

    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>The first Chromium on PATH (or <c>TVDCTL_CHROMIUM</c>, a path), or null when there is none.</summary>
    public static string? Find()
    {
        if (Environment.GetEnvironmentVariable("TVDCTL_CHROMIUM") is { Length: > 0 } configured)
        {
            return File.Exists(configured) ? configured : null;
        }

        string[] path = (Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries);
        return Names.SelectMany(name => path.Select(dir => Path.Combine(dir, name))).FirstOrDefault(File.Exists);
    }

    /// <summary>Writes <paramref name="png"/> from <paramref name="svg"/>; null when done, else why not.</summary>
    public static async Task<string?> RenderAsync(string chromium, string svg, string png, int width, int height, CancellationToken cancellationToken)
    {
        string profile = Directory.CreateTempSubdirectory("tvdctl-chromium-").FullName;
        string output = Path.GetFullPath(png);
        try
        {
            File.Delete(output);
            var start = new ProcessStartInfo(chromium)
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            foreach (string arg in (string[])["--headless", "--disable-gpu", "--hide-scrollbars", "--no-first-run", "--disable-extensions",
                "--disable-dev-shm-usage", "--mute-audio", $"--user-data-dir={profile}", $"--screenshot={output}",
                $"--window-size={width},{height}", "--default-background-color=ffffffff", new Uri(Path.GetFullPath(svg)).AbsoluteUri])
            {
                start.ArgumentList.Add(arg);
            }

            if (Environment.IsPrivilegedProcess)
            {
                start.ArgumentList.Insert(0, "--no-sandbox");
            }

            using var process = Process.Start(start) ?? throw new InvalidOperationException($"{chromium} did not start");
            Task<string> errors = process.StandardError.ReadToEndAsync(cancellationToken);
            Task<string> _ = process.StandardOutput.ReadToEndAsync(cancellationToken);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(Timeout);
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                return cancellationToken.IsCancellationRequested ? "cancelled" : $"{chromium} did not finish within {Timeout.TotalSeconds:0} s";
            }

            string stderr = await errors;
            if (process.ExitCode != 0 || !File.Exists(output) || new FileInfo(output).Length == 0)
            {
                string last = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";
                return $"{chromium} exited {process.ExitCode} without writing {png}{(last.Length > 0 ? $": {last}" : "")}";
            }

            return null;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return $"cannot run {chromium}: {e.Message}";
        }
        finally
        {
            try
            {
                Directory.Delete(profile, recursive: true);
            }
            catch (IOException)
            {
                // Chromium's last helper may still hold a file for a moment; the directory is in /tmp.
            }
        }
    }
}
