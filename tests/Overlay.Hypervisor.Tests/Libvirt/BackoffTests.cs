using Overlay.Hypervisor.Libvirt;

namespace Overlay.Hypervisor.Tests.Libvirt;

public sealed class BackoffTests
{
    [Fact]
    public void Doubles_from_the_initial_delay_up_to_the_cap()
    {
        var b = new Backoff(TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(2));

        Assert.Equal([250, 500, 1000, 2000, 2000, 2000], Enumerable.Range(0, 6).Select(i => b.Delay(i).TotalMilliseconds));
    }

    [Fact]
    public void A_long_outage_stays_at_the_cap_without_overflow()
    {
        Assert.Equal(TimeSpan.FromSeconds(30), Backoff.Default.Delay(10_000));
    }
}
