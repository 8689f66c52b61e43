namespace Overlay.Hypervisor.Tests.Support;

/// <summary>Tests that talk to libvirt's shared test:///default driver run one class at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LibvirtCollection : ICollectionFixture<HandleLeakFixture>
{
    public const string Name = "libvirt";
}
