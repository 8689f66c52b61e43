using System.Collections.Concurrent;
using Overlay.Hypervisor.Libvirt;

namespace Overlay.Hypervisor.Tests.Support;

/// <summary>Minimal domains for libvirt's test driver.</summary>
internal static class TestDomains
{
    private static int s_counter;

    public static string UniqueName(string what) => $"thv-{what}-{Environment.ProcessId}-{Interlocked.Increment(ref s_counter)}";

    public static string Xml(string name, long memoryKiB = 65536) =>
        $"<domain type='test'><name>{name}</name><memory unit='KiB'>{memoryKiB}</memory>" +
        "<os><type>hvm</type></os></domain>";
}

/// <summary>Collects the lifecycle events of one domain from a connection, in arrival order.</summary>
internal sealed class EventRecorder : IDisposable
{
    private readonly LibvirtConnection _connection;
    private readonly string _domain;
    private readonly BlockingCollection<DomainLifecycleEvent> _events = [];
    private readonly List<DomainLifecycleEvent> _seen = [];

    public EventRecorder(LibvirtConnection connection, string domain)
    {
        _connection = connection;
        _domain = domain;
        connection.DomainLifecycle += OnEvent;
    }

    /// <summary>The first <paramref name="count"/> events, or fails with those that came within <paramref name="timeout"/>.</summary>
    public IReadOnlyList<DomainLifecycleEvent> WaitFor(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (_seen.Count < count)
        {
            var left = deadline - DateTime.UtcNow;
            if (left > TimeSpan.Zero && _events.TryTake(out var e, left))
            {
                _seen.Add(e);
                continue;
            }

            Assert.Fail($"expected {count} events for {_domain}, got: {string.Join(", ", _seen.Select(x => x.Type))}");
        }

        return _seen;
    }

    public void Dispose() => _connection.DomainLifecycle -= OnEvent;

    private void OnEvent(DomainLifecycleEvent e)
    {
        if (e.DomainName == _domain)
        {
            _events.Add(e);
        }
    }
}
