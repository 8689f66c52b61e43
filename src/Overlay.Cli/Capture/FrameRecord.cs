using System.Buffers.Text;
using System.Text.Json;

namespace Overlay.Cli.Capture;

/// <summary>
/// One <c>{"frame":{…}}</c> line of the capture stream, read with <see cref="Utf8JsonReader"/> straight into a
/// reused buffer: with <c>-q -w</c> tvdctl allocates nothing per frame, so a capture beside a full-rate flow costs
/// the host as little CPU and memory traffic as it can (the names, which only a printed line needs, are read only
/// when asked for).
/// </summary>
internal sealed class FrameRecord(int snapLength)
{
    private static readonly byte[] FrameProperty = "frame"u8.ToArray();

    public byte[] Data { get; } = new byte[snapLength];

    public int Captured { get; private set; }

    public DateTimeOffset Time { get; private set; }

    public int Length { get; private set; }

    public int Targets { get; private set; }

    public CaptureEndpoint In { get; private set; }

    public CaptureEndpoint Out { get; private set; }

    /// <summary>
    /// Reads a frame line; false when the line is something else (the summary). Throws <see cref="JsonException"/>
    /// or <see cref="InvalidDataException"/> on a malformed frame.
    /// </summary>
    public bool TryRead(ReadOnlySpan<byte> line, bool names)
    {
        var reader = new Utf8JsonReader(line);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject || !reader.Read() ||
            reader.TokenType != JsonTokenType.PropertyName || !reader.ValueTextEquals(FrameProperty))
        {
            return false;
        }

        Expect(ref reader, JsonTokenType.StartObject);
        Captured = -1;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("time"u8))
            {
                reader.Read();
                Time = reader.GetDateTimeOffset();
            }
            else if (reader.ValueTextEquals("length"u8))
            {
                reader.Read();
                Length = reader.GetInt32();
            }
            else if (reader.ValueTextEquals("targets"u8))
            {
                reader.Read();
                Targets = reader.GetInt32();
            }
            else if (reader.ValueTextEquals("data"u8))
            {
                reader.Read();
                ReadData(ref reader);
            }
            else if (reader.ValueTextEquals("in"u8) || reader.ValueTextEquals("out"u8))
            {
                bool isIn = reader.ValueTextEquals("in"u8);
                CaptureEndpoint endpoint = ReadEndpoint(ref reader, names);
                if (isIn)
                {
                    In = endpoint;
                }
                else
                {
                    Out = endpoint;
                }
            }
            else
            {
                reader.Read();
                reader.Skip(); // a property a later daemon may add
            }
        }

        return Captured >= 0 ? true : throw new InvalidDataException("a frame line without \"data\"");
    }

    private void ReadData(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new InvalidDataException("a frame's \"data\" is not a string");
        }

        if (reader.ValueIsEscaped || reader.HasValueSequence)
        {
            byte[] bytes = reader.GetBytesFromBase64();
            Captured = Math.Min(bytes.Length, Data.Length);
            bytes.AsSpan(0, Captured).CopyTo(Data);
            return;
        }

        if (Base64.DecodeFromUtf8(reader.ValueSpan, Data, out _, out int written) != System.Buffers.OperationStatus.Done)
        {
            throw new InvalidDataException("a frame's \"data\" is not base64 of at most the snap length");
        }

        Captured = written;
    }

    private static CaptureEndpoint ReadEndpoint(ref Utf8JsonReader reader, bool names)
    {
        Expect(ref reader, JsonTokenType.StartObject);
        string kind = "", name = "";
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool isKind = reader.ValueTextEquals("kind"u8);
            bool isName = reader.ValueTextEquals("name"u8);
            reader.Read();
            if (names && isKind)
            {
                kind = reader.GetString() ?? "";
            }
            else if (names && isName)
            {
                name = reader.GetString() ?? "";
            }
            else
            {
                reader.Skip();
            }
        }

        return new CaptureEndpoint(kind, name);
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType token)
    {
        if (!reader.Read() || reader.TokenType != token)
        {
            throw new InvalidDataException($"a frame line is not shaped as documented (expected {token})");
        }
    }
}
