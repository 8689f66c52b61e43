using System.Text.Json;
using System.Text.Json.Serialization;

namespace Overlay.Cluster.Records;

/// <summary>The records' JSON contract: snake_case, strict (no unknown or duplicate members, nulls where the type says
/// non-null are errors, numbers are numbers).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    AllowDuplicateProperties = false,
    NumberHandling = JsonNumberHandling.Strict,
    MaxDepth = 8)]
[JsonSerializable(typeof(PolicyRecord))]
[JsonSerializable(typeof(HostRegistration))]
[JsonSerializable(typeof(PolicyResult))]
[JsonSerializable(typeof(Enrollment))]
[JsonSerializable(typeof(EpochLeader))]
[JsonSerializable(typeof(EpochRecord))]
internal sealed partial class ClusterJsonContext : JsonSerializerContext
{
}
