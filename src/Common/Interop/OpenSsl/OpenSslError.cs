using System.Runtime.InteropServices;
using System.Text;

namespace Overlay.Common.Interop.OpenSsl;

/// <summary>
/// OpenSSL's per-thread error queue, for every project that calls libcrypto itself (the data plane's AES-GCM,
/// IKE's X25519): compiled into each as internal source, like <c>Common/Interop/Unix</c>. Each project keeps its
/// own calls and exception type; this is only the queue.
/// </summary>
internal static unsafe partial class OpenSslError
{
    /// <summary>OpenSSL 3's soname (Debian 12: libssl3), the library .NET's own cryptography loads.</summary>
    public const string Library = "libcrypto.so.3";

    [LibraryImport(Library)]
    private static partial nuint ERR_get_error();

    [LibraryImport(Library)]
    private static partial void ERR_error_string_n(nuint error, byte* buffer, nuint length);

    [LibraryImport(Library)]
    private static partial void ERR_clear_error();

    [LibraryImport(Library)]
    private static partial nuint ERR_peek_error();

    /// <summary>Whether this thread's queue holds an error.</summary>
    public static bool IsQueued => ERR_peek_error() != 0;

    /// <summary>Empties this thread's queue.</summary>
    public static void Clear() => ERR_clear_error();

    /// <summary>The oldest queued error's code and OpenSSL's reason string, with the queue emptied (failure paths only: it allocates).</summary>
    public static (ulong Code, string Reason) Take()
    {
        nuint code = ERR_get_error();
        string reason = "no OpenSSL error queued";
        if (code != 0)
        {
            byte* buffer = stackalloc byte[256];
            ERR_error_string_n(code, buffer, 256);
            reason = Encoding.UTF8.GetString(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(buffer));
        }

        ERR_clear_error();
        return (code, reason);
    }
}
