using Overlay.Labels.Model;
using Tomlyn.Syntax;

namespace Overlay.Labels.Loading;

/// <summary>A value read from the policy file together with where it was written.</summary>
internal readonly record struct Located<T>(T Value, SourceLocation Location);

internal static class Locations
{
    /// <summary>
    /// Tomlyn counts lines and columns from 0 (columns in Unicode code points, a tab being one);
    /// diagnostics count both from 1, as compilers and editors do.
    /// </summary>
    public static SourceLocation Of(SyntaxNode node, string file) => Of(node.Span, file);

    public static SourceLocation Of(SourceSpan span, string file) =>
        new(file, span.Start.Line + 1, span.Start.Column + 1);

    /// <summary>The top of the file, where problems of the whole file (a missing table) are reported.</summary>
    public static SourceLocation StartOf(string file) => new(file, 1, 1);
}
