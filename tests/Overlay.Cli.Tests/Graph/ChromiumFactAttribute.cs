using Overlay.Cli.Graph;

namespace Overlay.Cli.Tests.Graph;

/// <summary>A fact that needs a real headless Chromium (Debian <c>chromium</c>, scripts/deps.sh); skipped, visibly, without one.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (PngRenderer.Find() is null)
        {
            Skip = "needs chromium on PATH (Debian package chromium: scripts/deps.sh installs it)";
        }
    }
}
