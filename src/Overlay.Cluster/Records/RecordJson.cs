using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Overlay.Cluster.Records;

/// <summary>
/// The one strict reader behind every record's TryParse: a size bound first, then System.Text.Json with the source-
/// generated contract (unknown, duplicate, missing, null or ill-typed members are errors), then the record's own
/// checks. Never throws for bad input: everything in the store is untrusted until it passed here.
/// </summary>
internal static class RecordJson
{
    /// <summary>Largest policy record: the TOML text plus its envelope.</summary>
    public const int MaxPolicyBytes = 1024 * 1024;

    /// <summary>Largest value of every other record.</summary>
    public const int MaxRecordBytes = 16 * 1024;

    public static bool TryParse<T>(ReadOnlySpan<byte> utf8, int maxBytes, JsonTypeInfo<T> info, Func<T, string?> validate,
        out T record, out string error)
        where T : class
    {
        record = null!;
        if (utf8.Length > maxBytes)
        {
            error = $"value is {utf8.Length} bytes, more than the {maxBytes} allowed";
            return false;
        }

        T? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize(utf8, info);
        }
        catch (JsonException e)
        {
            error = $"not a valid record: {e.Message}";
            return false;
        }

        if (parsed is null)
        {
            error = "not a valid record: null";
            return false;
        }

        string? invalid = validate(parsed);
        if (invalid is not null)
        {
            error = invalid;
            return false;
        }

        record = parsed;
        error = "";
        return true;
    }

    public static byte[] ToJson<T>(T record, JsonTypeInfo<T> info) => JsonSerializer.SerializeToUtf8Bytes(record, info);
}
