using System.Runtime.Versioning;

// The daemon it runs IKE through (its transport, over a data plane) is Linux-only.
[assembly: SupportedOSPlatform("linux")]
