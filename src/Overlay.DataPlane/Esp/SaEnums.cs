namespace Overlay.DataPlane.Esp;

/// <summary>Which way an SA carries traffic; an SA is unidirectional (RFC 4301 §4.1).</summary>
public enum SaDirection
{
    Inbound,
    Outbound,
}

/// <summary>What an SA carries inside ESP.</summary>
public enum InnerMode
{
    /// <summary>EtherIP (next header 97) with an 802.1Q-tagged Ethernet frame: between TVD Overlay hosts.</summary>
    EtherIp,

    /// <summary>Plain IPv4/IPv6 (next header 4/41): towards standard IPsec peers such as strongSwan.</summary>
    Ip,
}

/// <summary>ESP transforms we implement: AES-GCM with a 16-byte ICV (RFC 4106; IKEv2 transform id 20).</summary>
public enum EspCipher
{
    AesGcm128,
    AesGcm256,
}

public static class EspCipherExtensions
{
    /// <summary>AES key length in bytes, without the 4-byte salt.</summary>
    public static int KeySize(this EspCipher cipher) => cipher switch
    {
        EspCipher.AesGcm128 => 16,
        EspCipher.AesGcm256 => 32,
        _ => 0,
    };
}
