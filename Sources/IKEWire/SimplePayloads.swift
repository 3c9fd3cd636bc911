// Payloads whose body is a few fixed fields followed by opaque data (RFC 7296 §3.4–3.12, §3.16).
// Reserved fields are ignored on receipt and sent as zero (RFC 7296 §3.2).

/// KE payload (RFC 7296 §3.4): DH group number and the public value.
public struct KeyExchange: Hashable, Sendable {
    public var group: DHGroupID
    public var data: [UInt8]
    public init(group: DHGroupID, data: [UInt8]) { self.group = group; self.data = data }

    static func decode(_ r: inout ByteReader) throws(WireError) -> KeyExchange {
        let group = DHGroupID(rawValue: try r.readU16("KE group"))
        _ = try r.readU16("KE reserved")
        return KeyExchange(group: group, data: r.readRest())
    }
    func encode(into w: inout ByteWriter) { w.u16(group.rawValue); w.u16(0); w.append(data) }
}

/// AUTH payload (RFC 7296 §3.8).
public struct Authentication: Hashable, Sendable {
    public var method: AuthMethod
    public var data: [UInt8]
    public init(method: AuthMethod, data: [UInt8]) { self.method = method; self.data = data }

    static func decode(_ r: inout ByteReader) throws(WireError) -> Authentication {
        let method = AuthMethod(rawValue: try r.readU8("auth method"))
        _ = try r.readBytes(3, "auth reserved")
        return Authentication(method: method, data: r.readRest())
    }
    func encode(into w: inout ByteWriter) { w.u8(method.rawValue); w.append([0, 0, 0]); w.append(data) }
}

/// Nonce payload (RFC 7296 §3.9). Length limits (16–256) are the core's to enforce.
public struct Nonce: Hashable, Sendable {
    public var data: [UInt8]
    public init(_ data: [UInt8]) { self.data = data }
}

/// Vendor ID payload (RFC 7296 §3.12): opaque.
public struct VendorID: Hashable, Sendable {
    public var data: [UInt8]
    public init(_ data: [UInt8]) { self.data = data }
}

/// EAP payload (RFC 7296 §3.16): the EAP message, kept opaque.
public struct EAPMessage: Hashable, Sendable {
    public var data: [UInt8]
    public init(_ data: [UInt8]) { self.data = data }
}

/// CERT and CERTREQ payloads (RFC 7296 §3.6, §3.7): encoding byte and opaque data.
public struct CertificateData: Hashable, Sendable {
    public var encoding: UInt8
    public var data: [UInt8]
    public init(encoding: UInt8, data: [UInt8]) { self.encoding = encoding; self.data = data }

    static func decode(_ r: inout ByteReader) throws(WireError) -> CertificateData {
        let encoding = try r.readU8("cert encoding")
        return CertificateData(encoding: encoding, data: r.readRest())
    }
    func encode(into w: inout ByteWriter) { w.u8(encoding); w.append(data) }
}

/// Delete payload (RFC 7296 §3.11). For IKE the SPI size is 0 and there are no SPIs; for
/// ESP/AH each SPI is 4 bytes. Invariant: every SPI has `spiSize` bytes.
public struct Delete: Hashable, Sendable {
    public var protocolID: ProtocolID
    public var spiSize: UInt8
    public var spis: [[UInt8]]

    public init(protocolID: ProtocolID, spiSize: UInt8, spis: [[UInt8]]) {
        self.protocolID = protocolID
        self.spiSize = spiSize
        self.spis = spis
    }

    /// Delete of the IKE SA carrying the message.
    public static var ikeSA: Delete { Delete(protocolID: .ike, spiSize: 0, spis: []) }

    /// Delete of ESP SAs by their 32-bit inbound SPIs.
    public static func esp(_ spis: [UInt32]) -> Delete {
        Delete(protocolID: .esp, spiSize: 4, spis: spis.map(bigEndianBytes))
    }

    static func decode(_ r: inout ByteReader) throws(WireError) -> Delete {
        let proto = ProtocolID(rawValue: try r.readU8("delete protocol"))
        let size = try r.readU8("delete spi size")
        let count = Int(try r.readU16("delete spi count"))
        guard count * Int(size) == r.remaining else {
            throw WireError(.badLength, "delete: \(count) SPIs of \(size) bytes in \(r.remaining) bytes")
        }
        var spis: [[UInt8]] = []
        spis.reserveCapacity(count)
        for _ in 0..<count { spis.append(try r.readBytes(Int(size), "delete spi")) }
        return Delete(protocolID: proto, spiSize: size, spis: spis)
    }

    func encode(into w: inout ByteWriter) {
        w.u8(protocolID.rawValue)
        w.u8(spiSize)
        w.u16(UInt16(truncatingIfNeeded: spis.count))
        for s in spis { w.append(s) }
    }
}
