using System.Runtime.Versioning;

// Tests of a Linux-only daemon (Unix sockets, signals, file modes) are Linux-only too.
[assembly: SupportedOSPlatform("linux")]
