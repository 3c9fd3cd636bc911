@testable import IKEWire

/// One value of every payload type, with unusual but legal content where it matters
/// (unknown IDs, attributes in both forms, IPv6, several SPIs), for round-trip tests.
enum Samples {
    static let sa = SecurityAssociation(proposals: [
        Proposal(number: 1, protocolID: .ike, transforms: [
            .encryption(.aesGCM16, keyLength: 256), .encryption(.aesGCM16, keyLength: 128),
            .prf(.hmacSHA256), .prf(.hmacSHA384), .dhGroup(.ecp256), .dhGroup(.curve25519),
        ]),
        Proposal(number: 2, protocolID: .ike, transforms: [
            .encryption(.aesCBC, keyLength: 256), .integrity(.hmacSHA1_96), .prf(.hmacSHA1),
            .dhGroup(.modp1024),
            // An algorithm number we do not know and a TLV attribute: must round-trip.
            Transform(type: .encryption, id: 1031, attributes: [TransformAttribute(type: 99, value: .long([1, 2, 3]))]),
        ]),
        Proposal(number: 3, protocolID: .esp, spi: [0xc1, 0x02, 0x03, 0x04], transforms: [
            .encryption(.chacha20Poly1305), .esn(.noESN), .esn(.esn),
        ]),
        Proposal(number: 4, protocolID: ProtocolID(rawValue: 9), spi: [1, 2, 3, 4, 5, 6, 7, 8],
                 transforms: [Transform(type: TransformType(rawValue: 241), id: 7)]),
    ])

    static let all: [Payload] = [
        .securityAssociation(sa),
        .keyExchange(KeyExchange(group: .ecp256, data: Array(0..<64))),
        .keyExchange(KeyExchange(group: DHGroupID(rawValue: 4242), data: [])),
        .idInitiator(.ipv4([192, 0, 2, 1])),
        .idResponder(.ipv6([0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1])),
        .idInitiator(.fqdn("azure-gw.example.net")),
        .idResponder(.rfc822("ops@example.org")),
        .idInitiator(.keyID([0xde, 0xad, 0xbe, 0xef])),
        .idResponder(Identification(type: IDType(rawValue: 200), data: [9, 9])),
        .certificate(CertificateData(encoding: 4, data: [0x30, 0x82, 0x01])),
        .certificateRequest(CertificateData(encoding: 4, data: Array(repeating: 0xab, count: 20))),
        .authentication(Authentication(method: .sharedKeyMIC, data: Array(repeating: 0x5a, count: 32))),
        .nonce(Nonce(Array(repeating: 0x11, count: 32))),
        .notify(Notify(.natDetectionSourceIP, data: Array(repeating: 0x22, count: 20))),
        .notify(Notify(.natDetectionDestinationIP, data: Array(repeating: 0x23, count: 20))),
        .notify(Notify(.cookie, data: Array(repeating: 0x24, count: 36))),
        .notify(.rekeySA(espSPI: 0xcafe_f00d)),
        .notify(Notify(.ikev2FragmentationSupported)),
        .notify(.signatureHashAlgorithms([2, 3, 4])),
        .notify(Notify(.useTransportMode)),
        .notify(Notify(.espTFCPaddingNotSupported)),
        .notify(Notify(.initialContact)),
        .notify(.invalidKE(accepted: .modp2048)),
        .notify(Notify(NotifyType(rawValue: 40999), protocolID: .esp, spi: [1, 2, 3, 4], data: [7])),
        .delete(.ikeSA),
        .delete(.esp([0x01020304, 0xa0b0c0d0, 7])),
        .vendorID(VendorID(Array("strongSwan".utf8))),
        .tsInitiator(TrafficSelectors([
            .ipv4([10, 1, 0, 0], [10, 1, 255, 255]),
            .ipv4([10, 3, 0, 0], [10, 3, 0, 255], ipProtocol: 6, ports: 443...443),
            .ipv6([UInt8](repeating: 0, count: 16), [UInt8](repeating: 0xff, count: 16)),
        ])),
        .tsResponder(TrafficSelectors([.ipv4([0, 0, 0, 0], [255, 255, 255, 255])])),
        .tsResponder(TrafficSelectors([unknownSelector])),
        .configuration(Configuration(type: .request, attributes: [
            ConfigAttribute(type: .internalIP4Address), ConfigAttribute(type: .internalIP4DNS, value: [10, 0, 0, 53]),
        ])),
        .eap(EAPMessage([1, 7, 0, 5, 1])),
        .unknown(UnknownPayload(type: PayloadType(rawValue: 200), body: [1, 2, 3])),
    ]

    static var unknownSelector: TrafficSelector {
        var ts = TrafficSelector(type: TSType(rawValue: 9), ipProtocol: 0, startAddress: [], endAddress: [])
        ts.startPort = 0
        ts.endPort = 0
        ts.opaque = [0, 0, 0, 1, 2, 3, 4, 5]
        return ts
    }

    static func header(_ exchange: ExchangeType = .ikeAuth, response: Bool = false) -> IKEHeader {
        IKEHeader(initiatorSPI: 0x0102030405060708, responderSPI: 0x1112131415161718,
                  exchangeType: exchange, isInitiator: true, isResponse: response, messageID: 1)
    }

    /// A valid IKE_SA_INIT request as strongSwan would shape it.
    static var saInit: IKEMessage {
        IKEMessage(header: IKEHeader(initiatorSPI: 0xa1b2c3d4e5f60718, responderSPI: 0,
                                     exchangeType: .ikeSAInit, isInitiator: true, isResponse: false,
                                     messageID: 0),
                   payloads: [.securityAssociation(sa),
                              .keyExchange(KeyExchange(group: .ecp256, data: Array(repeating: 7, count: 64))),
                              .nonce(Nonce(Array(repeating: 9, count: 32))),
                              .notify(Notify(.natDetectionSourceIP, data: Array(repeating: 1, count: 20))),
                              .notify(Notify(.natDetectionDestinationIP, data: Array(repeating: 2, count: 20))),
                              .notify(Notify(.ikev2FragmentationSupported)),
                              .notify(.signatureHashAlgorithms([1, 2, 3, 4]))])
    }
}
