/// SA payload (RFC 7296 §3.3): an ordered list of proposals. Proposal and transform
/// "last/more" markers and counts are derived from the lists when encoding and checked when
/// decoding, so a decoded value always re-encodes to a well-formed payload.
public struct SecurityAssociation: Hashable, Sendable {
    public var proposals: [Proposal]
    public init(proposals: [Proposal]) { self.proposals = proposals }

    static func decode(_ r: inout ByteReader) throws(WireError) -> SecurityAssociation {
        SecurityAssociation(proposals: try decodeSubstructures(&r, more: 2, what: "proposal", Proposal.decode))
    }

    func encode(into w: inout ByteWriter) {
        encodeSubstructures(proposals, more: 2, into: &w) { p, w in p.encode(into: &w) }
    }
}

/// Decodes a list of proposal or transform substructures (RFC 7296 §3.3.1, §3.3.2): each starts
/// with a last/more marker (0 for the last one, `more` otherwise), a reserved byte and a length
/// that covers the 4-byte substructure header.
func decodeSubstructures<T>(_ r: inout ByteReader, more: UInt8, what: StaticString,
                            _ decode: (inout ByteReader) throws(WireError) -> T) throws(WireError) -> [T] {
    var items: [T] = []
    while !r.isAtEnd {
        let marker = try r.readU8(what)
        _ = try r.readU8(what)
        let length = Int(try r.readU16(what))
        guard length >= 8, length - 4 <= r.remaining else {
            throw WireError(.badLength, "\(what) length \(length) with \(r.remaining + 4) bytes left")
        }
        var body = try r.sub(length - 4, what)
        guard marker == (r.isAtEnd ? 0 : more) else {
            throw WireError(.badValue, "\(what) marker \(marker) but \(r.isAtEnd ? "it is the last" : "more follow")")
        }
        items.append(try decode(&body))
    }
    return items
}

/// Encodes substructures with their markers and lengths (see `decodeSubstructures`).
func encodeSubstructures<T>(_ items: [T], more: UInt8, into w: inout ByteWriter,
                            _ encode: (T, inout ByteWriter) -> Void) {
    for (i, item) in items.enumerated() {
        let start = w.count
        w.u8(i == items.count - 1 ? 0 : more)
        w.u8(0)
        w.u16(0)
        encode(item, &w)
        w.patchU16(at: start + 2, UInt16(truncatingIfNeeded: w.count - start))
    }
}

/// One proposal (RFC 7296 §3.3.1). `spi` is empty for IKE_SA_INIT, 8 bytes for an IKE rekey,
/// 4 bytes for ESP/AH.
public struct Proposal: Hashable, Sendable {
    public var number: UInt8
    public var protocolID: ProtocolID
    public var spi: [UInt8]
    public var transforms: [Transform]

    public init(number: UInt8, protocolID: ProtocolID, spi: [UInt8] = [], transforms: [Transform]) {
        self.number = number
        self.protocolID = protocolID
        self.spi = spi
        self.transforms = transforms
    }

    static func decode(_ r: inout ByteReader) throws(WireError) -> Proposal {
        let number = try r.readU8("proposal number")
        let proto = ProtocolID(rawValue: try r.readU8("protocol id"))
        let spiSize = Int(try r.readU8("spi size"))
        let count = Int(try r.readU8("transform count"))
        let spi = try r.readBytes(spiSize, "proposal spi")
        let transforms = try decodeSubstructures(&r, more: 3, what: "transform", Transform.decode)
        guard transforms.count == count else {
            throw WireError(.badValue, "proposal says \(count) transforms, holds \(transforms.count)")
        }
        return Proposal(number: number, protocolID: proto, spi: spi, transforms: transforms)
    }

    func encode(into w: inout ByteWriter) {
        w.u8(number)
        w.u8(protocolID.rawValue)
        w.u8(UInt8(truncatingIfNeeded: spi.count))
        w.u8(UInt8(truncatingIfNeeded: transforms.count))
        w.append(spi)
        encodeSubstructures(transforms, more: 3, into: &w) { t, w in t.encode(into: &w) }
    }
}

/// One transform (RFC 7296 §3.3.2) with its attributes (§3.3.5). `id` is interpreted by `type`:
/// see `EncryptionID`, `PRFID`, `IntegrityID`, `DHGroupID`, `ESNID`.
public struct Transform: Hashable, Sendable {
    public var type: TransformType
    public var id: UInt16
    public var attributes: [TransformAttribute]

    public init(type: TransformType, id: UInt16, attributes: [TransformAttribute] = []) {
        self.type = type
        self.id = id
        self.attributes = attributes
    }

    public static func encryption(_ id: EncryptionID, keyLength: UInt16? = nil) -> Transform {
        Transform(type: .encryption, id: id.rawValue,
                  attributes: keyLength.map { [.keyLength($0)] } ?? [])
    }
    public static func prf(_ id: PRFID) -> Transform { Transform(type: .prf, id: id.rawValue) }
    public static func integrity(_ id: IntegrityID) -> Transform { Transform(type: .integrity, id: id.rawValue) }
    public static func dhGroup(_ id: DHGroupID) -> Transform { Transform(type: .keyExchange, id: id.rawValue) }
    public static func esn(_ id: ESNID) -> Transform { Transform(type: .esn, id: id.rawValue) }

    /// The Key Length attribute (RFC 7296 §3.3.5), in bits, if present.
    public var keyLength: UInt16? {
        for a in attributes where a.type == TransformAttribute.keyLengthType {
            if case .short(let v) = a.value { return v }
        }
        return nil
    }

    static func decode(_ r: inout ByteReader) throws(WireError) -> Transform {
        let type = TransformType(rawValue: try r.readU8("transform type"))
        _ = try r.readU8("transform reserved")
        let id = try r.readU16("transform id")
        var attributes: [TransformAttribute] = []
        while !r.isAtEnd { attributes.append(try TransformAttribute.decode(&r)) }
        return Transform(type: type, id: id, attributes: attributes)
    }

    func encode(into w: inout ByteWriter) {
        w.u8(type.rawValue)
        w.u8(0)
        w.u16(id)
        for a in attributes { a.encode(into: &w) }
    }
}

/// A transform attribute (RFC 7296 §3.3.5): TV form (AF=1, 16-bit value) or TLV form.
public struct TransformAttribute: Hashable, Sendable {
    /// The Key Length attribute type; always TV.
    public static let keyLengthType: UInt16 = 14

    public enum Value: Hashable, Sendable {
        case short(UInt16)
        case long([UInt8])
    }
    /// Attribute type without the AF bit (15 bits).
    public var type: UInt16
    public var value: Value

    public init(type: UInt16, value: Value) {
        self.type = type & 0x7fff
        self.value = value
    }

    public static func keyLength(_ bits: UInt16) -> TransformAttribute {
        TransformAttribute(type: keyLengthType, value: .short(bits))
    }

    static func decode(_ r: inout ByteReader) throws(WireError) -> TransformAttribute {
        let raw = try r.readU16("attribute type")
        if raw & 0x8000 != 0 {
            return TransformAttribute(type: raw, value: .short(try r.readU16("attribute value")))
        }
        let length = Int(try r.readU16("attribute length"))
        return TransformAttribute(type: raw, value: .long(try r.readBytes(length, "attribute value")))
    }

    func encode(into w: inout ByteWriter) {
        switch value {
        case .short(let v):
            w.u16(type | 0x8000)
            w.u16(v)
        case .long(let bytes):
            w.u16(type)
            w.u16(UInt16(truncatingIfNeeded: bytes.count))
            w.append(bytes)
        }
    }
}
