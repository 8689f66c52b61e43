using System.Runtime.Versioning;

// The daemon drives Linux-only mechanisms (Unix file modes, POSIX signals, systemd, and later AF_XDP
// and netlink); saying so once lets the platform analyzer check every call against it.
[assembly: SupportedOSPlatform("linux")]
