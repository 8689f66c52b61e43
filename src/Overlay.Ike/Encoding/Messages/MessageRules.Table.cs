using static Overlay.Ike.IkePayloadType;

namespace Overlay.Ike.Encoding.Messages;

public static partial class MessageRules
{
    // ---- IKE_SA_INIT (RFC 7296 §1.2): HDR, SAi1, KEi, Ni  -->  <--  HDR, SAr1, KEr, Nr, [CERTREQ] ----
    // A responder may answer with only a notify (COOKIE, INVALID_KE_PAYLOAD, NO_PROPOSAL_CHOSEN), so
    // SA/KE/Nonce are optional in responses.
    private static readonly MessageRule IkeSaInitRequest = new(IkeExchangeType.IkeSaInit, false,
        [P(Notify, 0, MaxNotifies, false), P(SecurityAssociation, 1, 1, false), P(KeyExchange, 1, 1, false),
         P(Nonce, 1, 1, false), P(VendorId, 0, MaxVendorIds, false)],
        [N(NotifyType.Cookie), N(NotifyType.RedirectedFrom), O(SecurityAssociation), O(KeyExchange), O(Nonce),
         N(NotifyType.NatDetectionSourceIp), N(NotifyType.NatDetectionDestinationIp), O(Notify), O(VendorId)]);

    private static readonly MessageRule IkeSaInitResponse = new(IkeExchangeType.IkeSaInit, true,
        [P(Notify, 0, MaxNotifies, false), P(SecurityAssociation, 0, 1, false), P(KeyExchange, 0, 1, false),
         P(Nonce, 0, 1, false), P(CertificateRequest, 0, MaxCertificates, false), P(VendorId, 0, MaxVendorIds, false)],
        [O(SecurityAssociation), O(KeyExchange), O(Nonce), N(NotifyType.NatDetectionSourceIp),
         N(NotifyType.NatDetectionDestinationIp), O(Notify), O(CertificateRequest), O(VendorId)]);

    // ---- IKE_AUTH (RFC 7296 §1.2): HDR, SK {IDi, [CERT,] [CERTREQ,] [IDr,] AUTH, SAi2, TSi, TSr} ----
    private static readonly MessageRule IkeAuthRequest = new(IkeExchangeType.IkeAuth, false,
        [P(Notify, 0, MaxNotifies, true), P(IdInitiator, 0, 1, true), P(Certificate, 0, MaxCertificates, true),
         P(CertificateRequest, 0, MaxCertificates, true), P(IdResponder, 0, 1, true), P(Authentication, 0, 1, true),
         P(Eap, 0, 1, true), P(Configuration, 0, 1, true), P(SecurityAssociation, 0, 1, true),
         P(TrafficSelectorInitiator, 0, 1, true), P(TrafficSelectorResponder, 0, 1, true), P(VendorId, 0, MaxVendorIds, true)],
        [O(IdInitiator), O(Certificate), N(NotifyType.InitialContact), N(NotifyType.HttpCertLookupSupported),
         O(CertificateRequest), O(IdResponder), O(Authentication), O(Eap), O(Configuration),
         N(NotifyType.IpcompSupported), N(NotifyType.UseTransportMode), N(NotifyType.EspTfcPaddingNotSupported),
         N(NotifyType.NonFirstFragmentsAlso), O(SecurityAssociation), O(TrafficSelectorInitiator), O(TrafficSelectorResponder),
         N(NotifyType.MobikeSupported), N(NotifyType.AdditionalIp4Address), N(NotifyType.AdditionalIp6Address),
         N(NotifyType.NoAdditionalAddresses), O(Notify), O(VendorId)]);

    // <--  HDR, SK {IDr, [CERT,] AUTH, SAr2, TSi, TSr}; or only notifies when the CHILD_SA fails (§2.21.2)
    private static readonly MessageRule IkeAuthResponse = new(IkeExchangeType.IkeAuth, true,
        [P(Notify, 0, MaxNotifies, true), P(IdResponder, 0, 1, true), P(Certificate, 0, MaxCertificates, true),
         P(Authentication, 0, 1, true), P(Eap, 0, 1, true), P(Configuration, 0, 1, true),
         P(SecurityAssociation, 0, 1, true), P(TrafficSelectorInitiator, 0, 1, true),
         P(TrafficSelectorResponder, 0, 1, true), P(VendorId, 0, MaxVendorIds, true)],
        [O(IdResponder), O(Certificate), O(Authentication), O(Eap), O(Configuration),
         N(NotifyType.IpcompSupported), N(NotifyType.UseTransportMode), N(NotifyType.EspTfcPaddingNotSupported),
         N(NotifyType.NonFirstFragmentsAlso), O(SecurityAssociation), O(TrafficSelectorInitiator), O(TrafficSelectorResponder),
         N(NotifyType.MobikeSupported), N(NotifyType.AdditionalIp4Address), N(NotifyType.AdditionalIp6Address),
         N(NotifyType.NoAdditionalAddresses), O(Notify), O(VendorId)]);

    // ---- CREATE_CHILD_SA (RFC 7296 §1.3): HDR, SK {[N(REKEY_SA)], SA, Ni, [KEi], [TSi, TSr]} ----
    private static readonly MessageRule CreateChildSaRequest = new(IkeExchangeType.CreateChildSa, false,
        [P(Notify, 0, MaxNotifies, true), P(SecurityAssociation, 1, 1, true), P(Nonce, 1, 1, true),
         P(KeyExchange, 0, 1, true), P(TrafficSelectorInitiator, 0, 1, true), P(TrafficSelectorResponder, 0, 1, true),
         P(VendorId, 0, MaxVendorIds, true)],
        [N(NotifyType.RekeySa), N(NotifyType.IpcompSupported), N(NotifyType.UseTransportMode),
         N(NotifyType.EspTfcPaddingNotSupported), N(NotifyType.NonFirstFragmentsAlso), O(SecurityAssociation),
         O(Nonce), O(KeyExchange), O(TrafficSelectorInitiator), O(TrafficSelectorResponder), O(Notify), O(VendorId)]);

    private static readonly MessageRule CreateChildSaResponse = new(IkeExchangeType.CreateChildSa, true,
        [P(Notify, 0, MaxNotifies, true), P(SecurityAssociation, 0, 1, true), P(Nonce, 0, 1, true),
         P(KeyExchange, 0, 1, true), P(TrafficSelectorInitiator, 0, 1, true), P(TrafficSelectorResponder, 0, 1, true),
         P(VendorId, 0, MaxVendorIds, true)],
        [N(NotifyType.IpcompSupported), N(NotifyType.UseTransportMode), N(NotifyType.EspTfcPaddingNotSupported),
         N(NotifyType.NonFirstFragmentsAlso), O(SecurityAssociation), O(Nonce), O(KeyExchange),
         O(TrafficSelectorInitiator), O(TrafficSelectorResponder), O(Notify), O(VendorId)]);

    // ---- INFORMATIONAL (RFC 7296 §1.4): HDR, SK {[N,] [D,] [CP,] ...} ----
    private static readonly MessageRule InformationalRequest = new(IkeExchangeType.Informational, false,
        [P(Notify, 0, MaxNotifies, true), P(Delete, 0, MaxDeletes, true), P(Configuration, 0, 1, true),
         P(VendorId, 0, MaxVendorIds, true)],
        [O(Notify), O(Delete), O(Configuration), O(VendorId)]);

    private static readonly MessageRule InformationalResponse = InformationalRequest with { IsResponse = true };

    // ---- IKE_INTERMEDIATE (RFC 9242 §3): HDR, SK {...}; carries attestation evidence notifies here ----
    private static readonly MessageRule IkeIntermediateRequest = new(IkeExchangeType.IkeIntermediate, false,
        [P(Notify, 0, MaxNotifies, true), P(KeyExchange, 0, 1, true), P(VendorId, 0, MaxVendorIds, true)],
        [O(KeyExchange), O(Notify), O(VendorId)]);

    private static readonly MessageRule IkeIntermediateResponse = IkeIntermediateRequest with { IsResponse = true };
}
