// IANA "Internet Key Exchange Version 2 (IKEv2) Parameters" registries used in the header and
// generic payloads (RFC 7296 §3). Each is an open enum: unknown numbers pass through.

/// Exchange types (RFC 7296 §3.1).
public struct ExchangeType: OpenEnum {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let ikeSAInit = Self(rawValue: 34)
    public static let ikeAuth = Self(rawValue: 35)
    public static let createChildSA = Self(rawValue: 36)
    public static let informational = Self(rawValue: 37)
    public static let knownNames: [UInt8: String] = [
        34: "IKE_SA_INIT", 35: "IKE_AUTH", 36: "CREATE_CHILD_SA", 37: "INFORMATIONAL",
    ]
}

/// Payload types (RFC 7296 §3.2, RFC 7383 §2.5 for SKF).
public struct PayloadType: OpenEnum {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let none = Self(rawValue: 0)
    public static let securityAssociation = Self(rawValue: 33)
    public static let keyExchange = Self(rawValue: 34)
    public static let idInitiator = Self(rawValue: 35)
    public static let idResponder = Self(rawValue: 36)
    public static let certificate = Self(rawValue: 37)
    public static let certificateRequest = Self(rawValue: 38)
    public static let authentication = Self(rawValue: 39)
    public static let nonce = Self(rawValue: 40)
    public static let notify = Self(rawValue: 41)
    public static let delete = Self(rawValue: 42)
    public static let vendorID = Self(rawValue: 43)
    public static let tsInitiator = Self(rawValue: 44)
    public static let tsResponder = Self(rawValue: 45)
    public static let encrypted = Self(rawValue: 46)
    public static let configuration = Self(rawValue: 47)
    public static let eap = Self(rawValue: 48)
    public static let encryptedFragment = Self(rawValue: 53)
    public static let knownNames: [UInt8: String] = [
        0: "none", 33: "SA", 34: "KE", 35: "IDi", 36: "IDr", 37: "CERT", 38: "CERTREQ", 39: "AUTH",
        40: "No", 41: "N", 42: "D", 43: "V", 44: "TSi", 45: "TSr", 46: "SK", 47: "CP", 48: "EAP",
        53: "SKF",
    ]
}

/// Security protocol identifiers in proposals, notifies and deletes (RFC 7296 §3.3.1).
public struct ProtocolID: OpenEnum {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let none = Self(rawValue: 0)
    public static let ike = Self(rawValue: 1)
    public static let ah = Self(rawValue: 2)
    public static let esp = Self(rawValue: 3)
    public static let knownNames: [UInt8: String] = [0: "none", 1: "IKE", 2: "AH", 3: "ESP"]
}

/// Transform types (RFC 7296 §3.3.2).
public struct TransformType: OpenEnum {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let encryption = Self(rawValue: 1)
    public static let prf = Self(rawValue: 2)
    public static let integrity = Self(rawValue: 3)
    public static let keyExchange = Self(rawValue: 4)
    public static let esn = Self(rawValue: 5)
    public static let knownNames: [UInt8: String] = [1: "ENCR", 2: "PRF", 3: "INTEG", 4: "KE", 5: "ESN"]
}

/// Identification types (RFC 7296 §3.5).
public struct IDType: OpenEnum {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let ipv4Address = Self(rawValue: 1)
    public static let fqdn = Self(rawValue: 2)
    public static let rfc822Address = Self(rawValue: 3)
    public static let ipv6Address = Self(rawValue: 5)
    public static let derASN1DN = Self(rawValue: 9)
    public static let derASN1GN = Self(rawValue: 10)
    public static let keyID = Self(rawValue: 11)
    public static let knownNames: [UInt8: String] = [
        1: "ID_IPV4_ADDR", 2: "ID_FQDN", 3: "ID_RFC822_ADDR", 5: "ID_IPV6_ADDR",
        9: "ID_DER_ASN1_DN", 10: "ID_DER_ASN1_GN", 11: "ID_KEY_ID",
    ]
}

/// Authentication methods (RFC 7296 §3.8, RFC 7427).
public struct AuthMethod: OpenEnum {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let rsaSignature = Self(rawValue: 1)
    public static let sharedKeyMIC = Self(rawValue: 2)
    public static let dssSignature = Self(rawValue: 3)
    public static let digitalSignature = Self(rawValue: 14)
    public static let knownNames: [UInt8: String] = [
        1: "RSA_SIG", 2: "PSK", 3: "DSS_SIG", 14: "DIGITAL_SIGNATURE",
    ]
}

/// Traffic selector types (RFC 7296 §3.13.1).
public struct TSType: OpenEnum {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let ipv4AddressRange = Self(rawValue: 7)
    public static let ipv6AddressRange = Self(rawValue: 8)
    public static let knownNames: [UInt8: String] = [7: "TS_IPV4_ADDR_RANGE", 8: "TS_IPV6_ADDR_RANGE"]
}

/// Configuration payload types (RFC 7296 §3.15).
public struct CPType: OpenEnum {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let request = Self(rawValue: 1)
    public static let reply = Self(rawValue: 2)
    public static let set = Self(rawValue: 3)
    public static let ack = Self(rawValue: 4)
    public static let knownNames: [UInt8: String] = [1: "CFG_REQUEST", 2: "CFG_REPLY", 3: "CFG_SET", 4: "CFG_ACK"]
}

/// Configuration attribute types (RFC 7296 §3.15.1); 15 bits on the wire.
public struct ConfigAttributeType: OpenEnum {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let internalIP4Address = Self(rawValue: 1)
    public static let internalIP4Netmask = Self(rawValue: 2)
    public static let internalIP4DNS = Self(rawValue: 3)
    public static let internalIP4NBNS = Self(rawValue: 4)
    public static let internalIP4DHCP = Self(rawValue: 6)
    public static let applicationVersion = Self(rawValue: 7)
    public static let internalIP6Address = Self(rawValue: 8)
    public static let internalIP6DNS = Self(rawValue: 10)
    public static let internalIP6DHCP = Self(rawValue: 12)
    public static let internalIP4Subnet = Self(rawValue: 13)
    public static let supportedAttributes = Self(rawValue: 14)
    public static let internalIP6Subnet = Self(rawValue: 15)
    public static let knownNames: [UInt16: String] = [
        1: "INTERNAL_IP4_ADDRESS", 2: "INTERNAL_IP4_NETMASK", 3: "INTERNAL_IP4_DNS",
        4: "INTERNAL_IP4_NBNS", 6: "INTERNAL_IP4_DHCP", 7: "APPLICATION_VERSION",
        8: "INTERNAL_IP6_ADDRESS", 10: "INTERNAL_IP6_DNS", 12: "INTERNAL_IP6_DHCP",
        13: "INTERNAL_IP4_SUBNET", 14: "SUPPORTED_ATTRIBUTES", 15: "INTERNAL_IP6_SUBNET",
    ]
}
