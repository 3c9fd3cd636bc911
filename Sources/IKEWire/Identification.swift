/// IDi / IDr payload (RFC 7296 §3.5). `data` is the identity as sent; the AUTH computation
/// (§2.15) uses the whole body, which `encodedBody` reproduces exactly.
public struct Identification: Hashable, Sendable, CustomStringConvertible {
    public var type: IDType
    public var data: [UInt8]

    public init(type: IDType, data: [UInt8]) { self.type = type; self.data = data }

    public static func ipv4(_ a: [UInt8]) -> Identification { Identification(type: .ipv4Address, data: a) }
    public static func ipv6(_ a: [UInt8]) -> Identification { Identification(type: .ipv6Address, data: a) }
    public static func fqdn(_ s: String) -> Identification { Identification(type: .fqdn, data: Array(s.utf8)) }
    public static func rfc822(_ s: String) -> Identification { Identification(type: .rfc822Address, data: Array(s.utf8)) }
    public static func keyID(_ b: [UInt8]) -> Identification { Identification(type: .keyID, data: b) }

    /// The body as carried in the payload: type, three reserved bytes, data ("RestOfIDPayload"
    /// in RFC 7296 §2.15 is this without the generic header).
    public var encodedBody: [UInt8] {
        var w = ByteWriter(capacity: 4 + data.count)
        encode(into: &w)
        return w.bytes
    }

    /// A readable form: dotted quad, IPv6 hex groups, the string, or hex for binary types.
    public var description: String {
        switch type {
        case .ipv4Address where data.count == 4:
            return data.map { String($0) }.joined(separator: ".")
        case .ipv6Address where data.count == 16:
            return stride(from: 0, to: 16, by: 2)
                .map { String(UInt16(data[$0]) << 8 | UInt16(data[$0 + 1]), radix: 16) }
                .joined(separator: ":")
        case .fqdn, .rfc822Address:
            return String(decoding: data, as: UTF8.self)
        default:
            return "\(type):" + hex(data)
        }
    }

    static func decode(_ r: inout ByteReader) throws(WireError) -> Identification {
        let type = IDType(rawValue: try r.readU8("id type"))
        _ = try r.readBytes(3, "id reserved")
        return Identification(type: type, data: r.readRest())
    }

    func encode(into w: inout ByteWriter) { w.u8(type.rawValue); w.append([0, 0, 0]); w.append(data) }
}

/// Lower-case hex, for descriptions and logs of non-secret values (SPIs, IDs).
public func hex<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
    // Written as UTF-8 straight into the string's storage: SPIs are formatted in every log line
    // of a handshake, and appending Characters one by one showed in its profile.
    String(unsafeUninitializedCapacity: bytes.count * 2) { out in
        var i = 0
        for b in bytes {
            out[i] = hexDigit(b >> 4)
            out[i + 1] = hexDigit(b & 0x0F)
            i += 2
        }
        return i
    }
}

/// Lowercase hex of an unsigned integer's big-endian bytes (8 digits for a UInt32 SPI, 16 for
/// a UInt64 IKE SPI), without the byte array `hex(bigEndianBytes(v))` would build.
@inlinable public func hex<T: FixedWidthInteger & UnsignedInteger>(_ value: T) -> String {
    let digits = T.bitWidth / 4
    return String(unsafeUninitializedCapacity: digits) { out in
        for i in 0..<digits { out[i] = hexDigit(UInt8(truncatingIfNeeded: value >> (T.bitWidth - 4 * (i + 1))) & 0x0F) }
        return digits
    }
}

@usableFromInline @inline(__always) func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? 0x30 + v : 0x57 + v }
