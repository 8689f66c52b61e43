using System.Xml;

namespace Overlay.Demo.BoincServer.Protocol;

/// <summary>The two requests of the file upload handler protocol.</summary>
internal enum UploadKind
{
    /// <summary><c>&lt;get_file_size&gt;</c>: how much of the file the server has (to resume an upload).</summary>
    FileSize,

    /// <summary><c>&lt;file_upload&gt;</c>: the file's bytes from an offset.</summary>
    Upload,
}

/// <summary>
/// A POST to the file upload handler (client/file_xfer.cpp, FILE_XFER::init_upload). The body is either a
/// whole XML document asking for a file's size:
/// <code>
/// &lt;data_server_request&gt; &lt;core_client_major_version&gt;7&lt;/...&gt; ... &lt;get_file_size&gt;NAME&lt;/get_file_size&gt; &lt;/data_server_request&gt;
/// </code>
/// or an XML header that stops, unclosed, at <c>&lt;data&gt;</c> and is followed by the file's bytes:
/// <code>
/// &lt;data_server_request&gt; ... &lt;file_upload&gt;
/// &lt;file_info&gt; &lt;name&gt;NAME&lt;/name&gt; &lt;xml_signature&gt;...&lt;/xml_signature&gt; &lt;max_nbytes&gt;4096&lt;/max_nbytes&gt; &lt;/file_info&gt;
/// &lt;nbytes&gt;70&lt;/nbytes&gt; &lt;md5_cksum&gt;hex&lt;/md5_cksum&gt; &lt;offset&gt;0&lt;/offset&gt;
/// &lt;data&gt;\n FILE BYTES FROM offset TO nbytes
/// </code>
/// The 7.20 client sends files under 8 KiB without asking their size first.
/// </summary>
internal sealed class UploadRequest
{
    /// <summary>The longest XML header accepted before <c>&lt;data&gt;</c>.</summary>
    public const int MaxHeaderBytes = 16 * 1024;

    /// <summary>The largest size, offset or max_nbytes a request may name (1 TiB).</summary>
    public const double MaxSize = 1L << 40;

    private static readonly byte[] s_dataTag = "<data>"u8.ToArray();

    public UploadKind Kind { get; private init; }

    public string FileName { get; private set; } = "";

    public long Nbytes { get; private set; } = -1;

    public long Offset { get; private set; } = -1;

    public string Md5 { get; private set; } = "";

    public ReadOnlyMemory<byte> Data { get; private init; }

    public static UploadRequest Parse(ReadOnlyMemory<byte> body)
    {
        int dataTag = body.Span[..Math.Min(body.Length, MaxHeaderBytes + s_dataTag.Length)].IndexOf(s_dataTag);
        if (dataTag < 0)
        {
            if (body.Length > MaxHeaderBytes)
            {
                throw new ProtocolException(RejectReason.TooLarge, $"no <data> in the first {MaxHeaderBytes} bytes of an upload request");
            }

            return ParseFileSize(body);
        }

        int start = dataTag + s_dataTag.Length;
        if (start < body.Length && body.Span[start] == (byte)'\n')
        {
            start++; // the client writes "<data>\n"
        }

        var request = new UploadRequest { Kind = UploadKind.Upload, Data = body[start..] };
        // The header is a document left open at <data>: closed here, it is read with the same bounded reader.
        byte[] header = [.. body.Span[..dataTag], .. "</file_upload></data_server_request>"u8];
        request.ParseUploadHeader(header);
        if (request.FileName.Length == 0 || request.Nbytes < 0 || request.Offset < 0)
        {
            throw new ProtocolException(RejectReason.MalformedXml, "a <file_upload> needs <file_info><name>, <nbytes> and <offset>");
        }

        return request;
    }

    private static UploadRequest ParseFileSize(ReadOnlyMemory<byte> body)
    {
        using var stream = new MemoryStream(body.ToArray(), writable: false);
        using XmlReader reader = BoincXml.Create(stream, body.Length + 64L);
        BoincXml.ReadRoot(reader, "data_server_request");
        string? name = null;
        bool advance = true;
        while (!advance || BoincXml.Read(reader))
        {
            advance = true;
            if (reader is { NodeType: XmlNodeType.Element, Depth: 1, LocalName: "get_file_size" })
            {
                name = BoincXml.ReadValue(reader);
                advance = false;
            }
        }

        return name is null
            ? throw new ProtocolException(RejectReason.MalformedXml, "a <data_server_request> with neither <get_file_size> nor <file_upload>...<data>")
            : new UploadRequest { Kind = UploadKind.FileSize, FileName = name };
    }

    private void ParseUploadHeader(byte[] header)
    {
        using var stream = new MemoryStream(header, writable: false);
        using XmlReader reader = BoincXml.Create(stream, header.Length + 64L);
        BoincXml.ReadRoot(reader, "data_server_request");
        bool advance = true;
        while (!advance || BoincXml.Read(reader))
        {
            advance = true;
            if (reader.NodeType != XmlNodeType.Element)
            {
                continue;
            }

            advance = false;
            switch (reader.Depth, reader.LocalName)
            {
                case (3, "name"): FileName = BoincXml.ReadValue(reader); break;
                case (2, "nbytes"): Nbytes = ReadSize(reader); break;
                case (2, "offset"): Offset = ReadSize(reader); break;
                case (2, "md5_cksum"): Md5 = BoincXml.ReadValue(reader); break;
                default: advance = true; break;
            }
        }
    }

    // The client prints sizes with %.0f: whole, non-negative, bounded.
    private static long ReadSize(XmlReader reader)
    {
        string name = reader.LocalName;
        double value = BoincXml.ReadDouble(reader);
        return value >= 0 && value <= MaxSize && Math.Floor(value) == value
            ? (long)value
            : throw new ProtocolException(RejectReason.MalformedXml, $"<{name}> is not a size: {value.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
    }

    public override string ToString() => Kind == UploadKind.FileSize
        ? $"get_file_size {FileName}"
        : $"file_upload {FileName} nbytes {Nbytes} offset {Offset} ({Data.Length} bytes of data)";

    /// <summary>The MD5 of <paramref name="content"/> as the client writes it (lower-case hex).</summary>
    public static string Md5Hex(ReadOnlySpan<byte> content) =>
        Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(content));
}
