using Microsoft.Extensions.Logging;
using Overlay.Daemon.Configuration;
using Overlay.Hypervisor.Backends;
using Overlay.Hypervisor.Domain;
using Overlay.Hypervisor.Guests;
using Overlay.Hypervisor.Libvirt;

namespace Overlay.Daemon.GuestHost;

/// <summary>
/// The backends the configured guests need, made once each: libvirt only when a <c>[[guest]]</c> asks for it (so
/// a netns-only host needs no libvirtd), wrapped in <see cref="NamespacedTapBackend"/> when <c>tap_netns</c> says
/// QEMU lives in another namespace. Owns what it opened.
/// </summary>
public sealed class GuestBackends : IDisposable
{
    private LibvirtSession? _session;
    private LibvirtGuestBackend? _libvirt;

    private GuestBackends()
    {
    }

    public IGuestBackend? Libvirt { get; private set; }

    public NetnsGuestBackend? Netns { get; private set; }

    /// <summary>Set when libvirt TAPs must be claimed from libvirtd's namespace.</summary>
    public NamespacedTapBackend? TapMover { get; private set; }

    /// <exception cref="GuestStartException">libvirt cannot be reached.</exception>
    public static GuestBackends Open(HypervisorConfig settings, IReadOnlyList<GuestConfig> guests, ILoggerFactory loggers)
    {
        var backends = new GuestBackends();
        if (guests.Any(g => g.Backend == GuestBackendKind.Netns))
        {
            backends.Netns = new NetnsGuestBackend(settings.NetnsPrefix);
        }

        if (guests.Any(g => g.Backend == GuestBackendKind.Libvirt))
        {
            var session = new LibvirtSession(settings.Uri, logger: loggers.CreateLogger<LibvirtSession>());
            try
            {
                session.Open();
            }
            catch (Exception e) when (e is Overlay.Hypervisor.Interop.LibvirtException or GuestBackendException or DllNotFoundException)
            {
                session.Dispose();
                throw new GuestStartException($"libvirt at {settings.Uri} cannot be reached: {e.Message}", e);
            }

            backends._session = session;
            if (settings.ConsoleLogDirectory is { } consoles)
            {
                try
                {
                    Directory.CreateDirectory(consoles);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    session.Dispose();
                    throw new GuestStartException($"console_log_dir {consoles} cannot be made: {e.Message}", e);
                }
            }

            var xml = new DomainXmlBuilder(AccelerationProbe.Choose(settings.Acceleration), settings.ConsoleLogDirectory);
            backends._libvirt = new LibvirtGuestBackend(session, xml, manageTaps: settings.TapNamespace is null);
            if (settings.TapNamespace is { } ns)
            {
                backends.TapMover = new NamespacedTapBackend(backends._libvirt, ns);
                backends.Libvirt = backends.TapMover;
            }
            else
            {
                backends.Libvirt = backends._libvirt;
            }
        }

        return backends;
    }

    public void Dispose()
    {
        _libvirt?.Dispose();
        _session?.Dispose();
    }
}

/// <summary>The guest subsystem could not start (libvirt unreachable); the daemon exits 1 with this message.</summary>
public sealed class GuestStartException(string message, Exception? inner = null) : Exception(message, inner);
