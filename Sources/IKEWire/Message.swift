/// A whole IKEv2 message: header and payload chain (RFC 7296 §3). Decoding checks the version
/// and that the header's length equals the datagram's; encoding computes Next Payload fields and
/// the length, so `decode(encode(m))` holds for every message built from these types.
public struct IKEMessage: Hashable, Sendable {
    public var header: IKEHeader
    public var payloads: [Payload]

    public init(header: IKEHeader, payloads: [Payload]) {
        self.header = header
        self.payloads = payloads
    }

    public static func decode(_ bytes: [UInt8]) throws(WireError) -> IKEMessage {
        var r = ByteReader(bytes)
        let header = try IKEHeader.decode(&r)
        // RFC 7296 §3.1: a major version above 2 must be rejected (INVALID_MAJOR_VERSION).
        guard header.majorVersion == 2 else {
            throw WireError(.badVersion, "major version \(header.majorVersion)")
        }
        guard Int(header.length) == bytes.count else {
            throw WireError(.badLength, "header length \(header.length), datagram \(bytes.count) bytes")
        }
        let payloads = try PayloadChain.decode(first: header.nextPayload, &r)
        return IKEMessage(header: header, payloads: payloads)
    }

    public func encode() -> [UInt8] {
        var w = ByteWriter(capacity: 512)
        var h = header
        h.nextPayload = payloads.first?.type ?? .none
        h.encode(into: &w)
        PayloadChain.encode(payloads, into: &w)
        w.patchU32(at: 24, UInt32(truncatingIfNeeded: w.count))
        return w.bytes
    }

    /// The SK payload, if the message has one.
    public var encrypted: EncryptedPayload? {
        for case .encrypted(let e) in payloads { return e }
        return nil
    }

    /// The SKF payload, if the message is a fragment.
    public var encryptedFragment: EncryptedFragment? {
        for case .encryptedFragment(let f) in payloads { return f }
        return nil
    }

    /// All notifies in the message's own payload list.
    public var notifies: [Notify] {
        payloads.compactMap { if case .notify(let n) = $0 { n } else { nil } }
    }

    /// For a received datagram whose last payload is SK or SKF: the associated data, i.e.
    /// every byte before the IV (RFC 7296 §3.14, RFC 5282 §5.1, RFC 7383 §2.5).
    public static func associatedData(of datagram: [UInt8], bodyLength: Int) -> ArraySlice<UInt8> {
        datagram[..<(datagram.count - bodyLength)]
    }
}
