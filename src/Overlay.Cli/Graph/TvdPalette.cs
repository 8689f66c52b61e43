using System.Globalization;
using System.Text;

namespace Overlay.Cli.Graph;

/// <summary>
/// One colour per TVD, stable: a TVD's colour follows from its name (FNV-1a into a palette of twelve well-separated
/// colours), so <c>red</c> has the same colour on every host's picture and in every run. Two TVDs of one picture
/// whose names fall on the same colour are told apart: taken in name order, the later one moves to the next free
/// colour. Beyond twelve TVDs the hue comes from the name alone. Pure red is kept for refusals and blocked flows.
/// </summary>
internal sealed class TvdPalette
{
    private static readonly string[] Colours =
    [
        "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#17becf", "#8c564b",
        "#e377c2", "#bcbd22", "#393b79", "#637939", "#8c6d31", "#7b4173",
    ];

    /// <summary>Refusals and blocked flows.</summary>
    public const string Alarm = "#d00000";

    /// <summary>What no TVD claims (a port whose TVD the daemon does not name).</summary>
    public const string Unknown = "#999999";

    private readonly Dictionary<string, string> _colours = new(StringComparer.Ordinal);

    public TvdPalette(IEnumerable<string> tvds)
    {
        var taken = new bool[Colours.Length];
        foreach (string tvd in tvds.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            uint hash = Fnv1a(tvd);
            int slot = (int)(hash % (uint)Colours.Length);
            int probe = 0;
            while (probe < Colours.Length && taken[(slot + probe) % Colours.Length])
            {
                probe++;
            }

            if (probe < Colours.Length)
            {
                taken[(slot + probe) % Colours.Length] = true;
                _colours[tvd] = Colours[(slot + probe) % Colours.Length];
            }
            else
            {
                _colours[tvd] = FromHue(hash % 360);
            }
        }
    }

    /// <summary>The TVD's colour (<see cref="Unknown"/> for null or a TVD the palette was not made with).</summary>
    public string Of(string? tvd) => tvd is not null && _colours.TryGetValue(tvd, out string? colour) ? colour : Unknown;

    /// <summary>The colour mixed with white (<paramref name="white"/> of 1): a fill that dark text stays readable on.</summary>
    public static string Light(string colour, double white = 0.8)
    {
        int Mix(int start) => (int)Math.Round(int.Parse(colour.AsSpan(start, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture) * (1 - white) + 255 * white);
        return string.Create(CultureInfo.InvariantCulture, $"#{Mix(1):x2}{Mix(3):x2}{Mix(5):x2}");
    }

    private static uint Fnv1a(string text)
    {
        uint hash = 2166136261;
        foreach (byte b in Encoding.UTF8.GetBytes(text))
        {
            hash = unchecked((hash ^ b) * 16777619);
        }

        return hash;
    }

    /// <summary>HSL (hue, 55 %, 42 %) as #rrggbb.</summary>
    private static string FromHue(uint hue)
    {
        const double s = 0.55, l = 0.42;
        double c = (1 - Math.Abs(2 * l - 1)) * s, h = hue / 60.0, x = c * (1 - Math.Abs(h % 2 - 1)), m = l - c / 2;
        (double r, double g, double b) = h switch
        {
            < 1 => (c, x, 0.0),
            < 2 => (x, c, 0.0),
            < 3 => (0.0, c, x),
            < 4 => (0.0, x, c),
            < 5 => (x, 0.0, c),
            _ => (c, 0.0, x),
        };
        int Byte(double v) => (int)Math.Round((v + m) * 255);
        return string.Create(CultureInfo.InvariantCulture, $"#{Byte(r):x2}{Byte(g):x2}{Byte(b):x2}");
    }
}
