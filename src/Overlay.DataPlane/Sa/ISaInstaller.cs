using Overlay.DataPlane.Esp;

namespace Overlay.DataPlane.Sa;

/// <summary>
/// How the key exchange hands SAs to the data plane (the role of XFRM's NEWSA/DELSA for a kernel).
/// Installing is binding-time work; the data path only looks SAs up.
/// </summary>
public interface ISaInstaller
{
    /// <summary>Installs (or, for an existing SPI and direction, refuses) an SA.</summary>
    SaInstallResult Install(SaDescriptor descriptor);

    /// <summary>
    /// Removes an SA; it stops sealing and opening at once. The direction is part of the key because
    /// inbound SPIs are chosen by us and outbound SPIs by the peer, so the same number can be both.
    /// </summary>
    bool Remove(uint spi, SaDirection direction);
}

/// <summary>Outcome of <see cref="ISaInstaller.Install"/>.</summary>
public enum SaInstallResult
{
    Installed,
    Invalid,
    DuplicateSpi,
}
