using System.Security;
using System.Text;

namespace Overlay.Demo.BoincServer.Protocol;

/// <summary>
/// The file upload handler's answer (parsed by client/file_xfer.cpp, parse_upload_response): status 0 is
/// success, -1 a permanent error the client gives up on (with a message it logs), and a get_file_size
/// answer carries the bytes stored.
/// </summary>
internal static class DataServerReply
{
    public static byte[] Ok(long? fileSize = null) => Encoding.UTF8.GetBytes(
        "<data_server_reply>\n    <status>0</status>\n"
        + (fileSize is { } size ? $"    <file_size>{size}</file_size>\n" : "")
        + "</data_server_reply>\n");

    public static byte[] Error(string message) => Encoding.UTF8.GetBytes(
        $"<data_server_reply>\n    <status>-1</status>\n    <message>{SecurityElement.Escape(message)}</message>\n</data_server_reply>\n");
}
