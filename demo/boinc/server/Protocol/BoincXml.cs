using System.Xml;

namespace Overlay.Demo.BoincServer.Protocol;

/// <summary>
/// The one way this server reads XML from the network: no DTD (a document type is refused, so no entity
/// expansion), no resolver, a bound on characters and on element depth. Every parse error surfaces as a
/// <see cref="ProtocolException"/> naming what was wrong.
/// </summary>
internal static class BoincXml
{
    /// <summary>Deepest element nesting accepted (a 7.20 scheduler request nests 4 deep).</summary>
    public const int MaxDepth = 16;

    /// <summary>The longest text of one element this server keeps (names, numbers, checksums).</summary>
    public const int MaxValueLength = 256;

    public static XmlReader Create(Stream input, long maxCharacters) =>
        XmlReader.Create(input, new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersInDocument = maxCharacters,
            MaxCharactersFromEntities = 0,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
            IgnoreWhitespace = true,
            CloseInput = false,
        });

    /// <summary>Moves to the root element and checks its name.</summary>
    public static void ReadRoot(XmlReader reader, string root)
    {
        Guard(() => reader.MoveToContent());
        if (reader.NodeType != XmlNodeType.Element || reader.LocalName != root)
        {
            throw new ProtocolException(RejectReason.MalformedXml, $"the document is not a <{root}> (found <{reader.LocalName}>)");
        }
    }

    /// <summary>
    /// Reads the next node; false at the end of the document. Checks the depth bound and turns XmlException
    /// (malformed XML, a DTD, the character bound) into a <see cref="ProtocolException"/>.
    /// </summary>
    public static bool Read(XmlReader reader)
    {
        bool more = Guard(reader.Read);
        if (more && reader.Depth > MaxDepth)
        {
            throw new ProtocolException(RejectReason.MalformedXml, $"XML nested deeper than {MaxDepth} elements");
        }

        return more;
    }

    /// <summary>The text content of the current element (no child elements allowed), bounded in length.</summary>
    public static string ReadValue(XmlReader reader)
    {
        string name = reader.LocalName;
        string text = Guard(reader.ReadElementContentAsString);
        if (text.Length > MaxValueLength)
        {
            throw new ProtocolException(RejectReason.MalformedXml, $"<{name}> is longer than {MaxValueLength} characters");
        }

        return text.Trim();
    }

    public static long ReadLong(XmlReader reader)
    {
        string name = reader.LocalName;
        string text = ReadValue(reader);
        // The client writes some integers as %.0f doubles; a fractional or huge value is refused.
        return long.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out long value)
            ? value
            : throw new ProtocolException(RejectReason.MalformedXml, $"<{name}> is not an integer: '{Shorten(text)}'");
    }

    public static double ReadDouble(XmlReader reader)
    {
        string name = reader.LocalName;
        string text = ReadValue(reader);
        return double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double value) && double.IsFinite(value)
            ? value
            : throw new ProtocolException(RejectReason.MalformedXml, $"<{name}> is not a number: '{Shorten(text)}'");
    }

    /// <summary>Client-supplied text made safe for one log line: at most 40 characters, control characters as '?'.</summary>
    public static string Shorten(string text)
    {
        string head = text.Length <= 40 ? text : text[..40] + "...";
        return string.Create(head.Length, head, (span, source) =>
        {
            for (int i = 0; i < source.Length; i++)
            {
                span[i] = char.IsControl(source[i]) ? '?' : source[i];
            }
        });
    }

    private static T Guard<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (XmlException e)
        {
            throw new ProtocolException(RejectReason.MalformedXml, $"malformed XML: {e.Message}");
        }
        catch (FormatException e)
        {
            throw new ProtocolException(RejectReason.MalformedXml, $"malformed XML: {e.Message}");
        }
        catch (System.Text.DecoderFallbackException e)
        {
            throw new ProtocolException(RejectReason.MalformedXml, $"malformed XML: {e.Message}");
        }
    }
}
