using Tomlyn.Syntax;

namespace Overlay.Common.Toml;

/// <summary>
/// Where something was written in a TOML file: file, 1-based line and column, printed <c>file:line:column</c> the
/// way compilers and editors print positions. Each module turns it into its own public location type.
/// </summary>
internal readonly record struct TomlLocation(string File, int Line, int Column)
{
    /// <summary>
    /// Tomlyn counts lines and columns from 0 (columns in Unicode code points, a tab being one); positions shown
    /// to users count both from 1.
    /// </summary>
    public static TomlLocation Of(SyntaxNode node, string file) => Of(node.Span, file);

    public static TomlLocation Of(SourceSpan span, string file) => new(file, span.Start.Line + 1, span.Start.Column + 1);

    /// <summary>The top of the file, where problems of the whole file (a missing table) are reported.</summary>
    public static TomlLocation StartOf(string file) => new(file, 1, 1);

    public override string ToString() => $"{File}:{Line}:{Column}";
}
