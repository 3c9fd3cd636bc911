/// One IKEv2 payload (RFC 7296 §3.2). Known types decode into values; an unknown type without
/// the critical bit is kept as `.unknown` and re-encodes unchanged. The encoder derives each
/// generic header's Next Payload and Length from the list, so they can never disagree.
public enum Payload: Hashable, Sendable {
    case securityAssociation(SecurityAssociation)
    case keyExchange(KeyExchange)
    case idInitiator(Identification)
    case idResponder(Identification)
    case certificate(CertificateData)
    case certificateRequest(CertificateData)
    case authentication(Authentication)
    case nonce(Nonce)
    case notify(Notify)
    case delete(Delete)
    case vendorID(VendorID)
    case tsInitiator(TrafficSelectors)
    case tsResponder(TrafficSelectors)
    case encrypted(EncryptedPayload)
    case configuration(Configuration)
    case eap(EAPMessage)
    case encryptedFragment(EncryptedFragment)
    case unknown(UnknownPayload)

    public var type: PayloadType {
        switch self {
        case .securityAssociation: .securityAssociation
        case .keyExchange: .keyExchange
        case .idInitiator: .idInitiator
        case .idResponder: .idResponder
        case .certificate: .certificate
        case .certificateRequest: .certificateRequest
        case .authentication: .authentication
        case .nonce: .nonce
        case .notify: .notify
        case .delete: .delete
        case .vendorID: .vendorID
        case .tsInitiator: .tsInitiator
        case .tsResponder: .tsResponder
        case .encrypted: .encrypted
        case .configuration: .configuration
        case .eap: .eap
        case .encryptedFragment: .encryptedFragment
        case .unknown(let u): u.type
        }
    }

    /// The Next Payload value this payload puts in its own header when it is last in a chain:
    /// SK and SKF name the first inner payload (RFC 7296 §3.14, RFC 7383 §2.5); others 0.
    var trailingNext: PayloadType {
        switch self {
        case .encrypted(let e): e.innerFirst
        case .encryptedFragment(let f): f.innerFirst
        default: .none
        }
    }

    func encodeBody(into w: inout ByteWriter) {
        switch self {
        case .securityAssociation(let p): p.encode(into: &w)
        case .keyExchange(let p): p.encode(into: &w)
        case .idInitiator(let p), .idResponder(let p): p.encode(into: &w)
        case .certificate(let p), .certificateRequest(let p): p.encode(into: &w)
        case .authentication(let p): p.encode(into: &w)
        case .nonce(let p): w.append(p.data)
        case .notify(let p): p.encode(into: &w)
        case .delete(let p): p.encode(into: &w)
        case .vendorID(let p): w.append(p.data)
        case .tsInitiator(let p), .tsResponder(let p): p.encode(into: &w)
        case .encrypted(let p): w.append(p.body)
        case .configuration(let p): p.encode(into: &w)
        case .eap(let p): w.append(p.data)
        case .encryptedFragment(let p): p.encode(into: &w)
        case .unknown(let p): w.append(p.body)
        }
    }

    static func decodeBody(type: PayloadType, next: PayloadType, critical: Bool,
                           _ r: inout ByteReader) throws(WireError) -> Payload {
        switch type {
        case .securityAssociation: return .securityAssociation(try .decode(&r))
        case .keyExchange: return .keyExchange(try .decode(&r))
        case .idInitiator: return .idInitiator(try .decode(&r))
        case .idResponder: return .idResponder(try .decode(&r))
        case .certificate: return .certificate(try .decode(&r))
        case .certificateRequest: return .certificateRequest(try .decode(&r))
        case .authentication: return .authentication(try .decode(&r))
        case .nonce: return .nonce(Nonce(r.readRest()))
        case .notify: return .notify(try .decode(&r))
        case .delete: return .delete(try .decode(&r))
        case .vendorID: return .vendorID(VendorID(r.readRest()))
        case .tsInitiator: return .tsInitiator(try .decode(&r))
        case .tsResponder: return .tsResponder(try .decode(&r))
        case .encrypted: return .encrypted(EncryptedPayload(innerFirst: next, body: r.readRest()))
        case .configuration: return .configuration(try .decode(&r))
        case .eap: return .eap(EAPMessage(r.readRest()))
        case .encryptedFragment: return .encryptedFragment(try .decode(&r, innerFirst: next))
        default:
            // RFC 7296 §2.5: an unknown payload with the critical bit set rejects the message.
            guard !critical else {
                throw WireError(.unsupportedCritical, "unknown critical payload \(type.rawValue)",
                                payloadType: type.rawValue)
            }
            return .unknown(UnknownPayload(type: type, body: r.readRest()))
        }
    }
}

/// A payload of a type this implementation does not know, sent without the critical bit.
public struct UnknownPayload: Hashable, Sendable {
    public var type: PayloadType
    public var body: [UInt8]
    public init(type: PayloadType, body: [UInt8]) { self.type = type; self.body = body }
}

/// Encoding and decoding of payload chains: the payloads of a message, or the plaintext
/// inside an SK payload.
public enum PayloadChain {
    /// Upper bound on payloads in one chain; more is treated as hostile.
    public static let maxPayloads = 256

    /// Decodes a chain starting with a payload of type `first` until Next Payload is 0 or an
    /// SK/SKF payload ends it. Every byte of `r` must be consumed.
    public static func decode(first: PayloadType, _ r: inout ByteReader) throws(WireError) -> [Payload] {
        var payloads: [Payload] = []
        var type = first
        while type != .none {
            guard payloads.count < maxPayloads else {
                throw WireError(.tooManyPayloads, "more than \(maxPayloads) payloads")
            }
            let next = PayloadType(rawValue: try r.readU8("next payload"))
            let critical = try r.readU8("critical flag") & 0x80 != 0
            let length = Int(try r.readU16("payload length"))
            guard length >= 4, length - 4 <= r.remaining else {
                throw WireError(.badLength, "\(type) payload length \(length) with \(r.remaining + 4) bytes left")
            }
            var body = try r.sub(length - 4, "payload body")
            let payload = try Payload.decodeBody(type: type, next: next, critical: critical, &body)
            guard body.isAtEnd else {
                throw WireError(.badLength, "\(type) payload has \(body.remaining) trailing bytes")
            }
            payloads.append(payload)
            // RFC 7296 §3.14 / RFC 7383 §2.5: SK and SKF are last; their Next Payload is inner.
            if type == .encrypted || type == .encryptedFragment { break }
            type = next
        }
        guard r.isAtEnd else {
            throw WireError(.badLength, "\(r.remaining) bytes after the last payload")
        }
        return payloads
    }

    public static func decode(first: PayloadType, _ bytes: [UInt8]) throws(WireError) -> [Payload] {
        var r = ByteReader(bytes)
        return try decode(first: first, &r)
    }

    /// Appends the chain and returns the type to put in the preceding Next Payload field.
    @discardableResult
    public static func encode(_ payloads: [Payload], into w: inout ByteWriter) -> PayloadType {
        for (i, p) in payloads.enumerated() {
            let next = i + 1 < payloads.count ? payloads[i + 1].type : p.trailingNext
            let start = w.count
            w.u8(next.rawValue)
            w.u8(0)
            w.u16(0)
            p.encodeBody(into: &w)
            w.patchU16(at: start + 2, UInt16(truncatingIfNeeded: w.count - start))
        }
        return payloads.first?.type ?? .none
    }

    /// The chain as bytes, e.g. the plaintext of an SK payload; its first type is `payloads[0].type`.
    public static func encode(_ payloads: [Payload]) -> [UInt8] {
        var w = ByteWriter()
        encode(payloads, into: &w)
        return w.bytes
    }
}
