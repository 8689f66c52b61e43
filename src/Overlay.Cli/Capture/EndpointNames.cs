using Overlay.Common.Capture;

namespace Overlay.Cli.Capture;

/// <summary>
/// The names the daemon told for the ports and peers its frame records refer to by id (endpoint-name records).
/// Bounded: a stream that names more endpoints than any host has is broken, and said so.
/// </summary>
internal sealed class EndpointNames
{
    public const int MaxNames = 65_536;

    private readonly Dictionary<CaptureEndpointRef, string> _names = [];

    /// <exception cref="InvalidDataException">A record not as documented, or more names than <see cref="MaxNames"/>.</exception>
    public void Learn(ReadOnlySpan<byte> body)
    {
        if (!CaptureEndpointName.TryParse(body, out CaptureEndpointName record))
        {
            throw new InvalidDataException($"an endpoint-name record is not as documented ({body.Length} octets)");
        }

        if (_names.Count >= MaxNames && !_names.ContainsKey(record.Endpoint))
        {
            throw new InvalidDataException($"the daemon named more than {MaxNames} endpoints in one capture");
        }

        _names[record.Endpoint] = record.Name;
    }

    /// <summary>The endpoint as lines print it; one never named shows its id (<c>#7</c>).</summary>
    public CaptureEndpoint this[CaptureEndpointRef endpoint] => new(
        endpoint.Kind == CaptureEndpointKind.Port ? "port" : "peer",
        _names.TryGetValue(endpoint, out string? name) ? name : $"#{endpoint.Id}");
}
