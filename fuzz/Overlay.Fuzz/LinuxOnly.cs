using System.Runtime.Versioning;

// The daemon's code (config, control socket) is Linux-only, and so are afl-fuzz and the targets.
[assembly: SupportedOSPlatform("linux")]
