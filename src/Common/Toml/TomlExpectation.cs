namespace Overlay.Common.Toml;

/// <summary>What kind of value a read asked for; the dialect words the message when a file holds something else.</summary>
internal enum TomlValueKind
{
    String,
    NonEmptyString,
    Integer,
    Boolean,
    StringArray,

    /// <summary>An inline table (<c>{ key = value, … }</c>), whose values the schema reads one by one.</summary>
    InlineTable,
}

/// <summary>A kind of value and, for integers, the range a read accepts (both bounds included).</summary>
internal readonly record struct TomlExpectation(TomlValueKind Kind, long Min = long.MinValue, long Max = long.MaxValue)
{
    public static TomlExpectation String => new(TomlValueKind.String);

    public static TomlExpectation NonEmptyString => new(TomlValueKind.NonEmptyString);

    public static TomlExpectation Integer => new(TomlValueKind.Integer);

    public static TomlExpectation Boolean => new(TomlValueKind.Boolean);

    public static TomlExpectation StringArray => new(TomlValueKind.StringArray);

    public static TomlExpectation InlineTable => new(TomlValueKind.InlineTable);

    /// <summary>True when the read limits the integer to less than every <see cref="long"/>.</summary>
    public bool HasRange => Min != long.MinValue || Max != long.MaxValue;

    public static TomlExpectation IntegerIn(long min, long max) => new(TomlValueKind.Integer, min, max);

    public bool Accepts(long value) => value >= Min && value <= Max;
}
