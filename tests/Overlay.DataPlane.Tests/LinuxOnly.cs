using System.Runtime.Versioning;

// The data plane runs on Linux only (AF_PACKET, AF_XDP, owner-only state files); so do its tests.
[assembly: SupportedOSPlatform("linux")]
