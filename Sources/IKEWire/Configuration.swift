/// CP payload (RFC 7296 §3.15): a configuration message type and its attributes.
public struct Configuration: Hashable, Sendable {
    public var type: CPType
    public var attributes: [ConfigAttribute]
    public init(type: CPType, attributes: [ConfigAttribute]) { self.type = type; self.attributes = attributes }

    static func decode(_ r: inout ByteReader) throws(WireError) -> Configuration {
        let type = CPType(rawValue: try r.readU8("CP type"))
        _ = try r.readBytes(3, "CP reserved")
        var attributes: [ConfigAttribute] = []
        while !r.isAtEnd {
            let t = try r.readU16("CP attribute type") & 0x7fff
            let length = Int(try r.readU16("CP attribute length"))
            let value = try r.readBytes(length, "CP attribute value")
            attributes.append(ConfigAttribute(type: ConfigAttributeType(rawValue: t), value: value))
        }
        return Configuration(type: type, attributes: attributes)
    }

    func encode(into w: inout ByteWriter) {
        w.u8(type.rawValue)
        w.append([0, 0, 0])
        for a in attributes {
            w.u16(a.type.rawValue & 0x7fff)
            w.u16(UInt16(truncatingIfNeeded: a.value.count))
            w.append(a.value)
        }
    }
}

/// One configuration attribute (RFC 7296 §3.15.1); an empty value asks for one.
public struct ConfigAttribute: Hashable, Sendable {
    public var type: ConfigAttributeType
    public var value: [UInt8]
    public init(type: ConfigAttributeType, value: [UInt8] = []) { self.type = type; self.value = value }
}
