/// Notify payload (RFC 7296 §3.10). `spi` is empty for notifies about the IKE SA; `data` is
/// type-specific and kept as bytes, with typed accessors for the formats the core reads.
public struct Notify: Hashable, Sendable {
    public var protocolID: ProtocolID
    public var spi: [UInt8]
    public var type: NotifyType
    public var data: [UInt8]

    public init(_ type: NotifyType, protocolID: ProtocolID = .none, spi: [UInt8] = [], data: [UInt8] = []) {
        self.protocolID = protocolID
        self.spi = spi
        self.type = type
        self.data = data
    }

    /// INVALID_KE_PAYLOAD carries the accepted group (RFC 7296 §3.10.1, 2 bytes).
    public static func invalidKE(accepted group: DHGroupID) -> Notify {
        Notify(.invalidKEPayload, data: [UInt8(group.rawValue >> 8), UInt8(truncatingIfNeeded: group.rawValue)])
    }

    /// The DH group named by INVALID_KE_PAYLOAD, if the data has the right size.
    public var acceptedGroup: DHGroupID? {
        guard type == .invalidKEPayload, data.count == 2 else { return nil }
        return DHGroupID(rawValue: UInt16(data[0]) << 8 | UInt16(data[1]))
    }

    /// REKEY_SA names the ESP SA being rekeyed in the SPI field (RFC 7296 §1.3.3).
    public static func rekeySA(espSPI: UInt32) -> Notify {
        Notify(.rekeySA, protocolID: .esp, spi: bigEndianBytes(espSPI))
    }

    /// SIGNATURE_HASH_ALGORITHMS (RFC 7427 §4): a list of 16-bit hash algorithm numbers.
    public static func signatureHashAlgorithms(_ algs: [UInt16]) -> Notify {
        Notify(.signatureHashAlgorithms, data: algs.flatMap { [UInt8($0 >> 8), UInt8(truncatingIfNeeded: $0)] })
    }

    /// The hash algorithm numbers of SIGNATURE_HASH_ALGORITHMS; nil if the data is odd-sized.
    public var hashAlgorithms: [UInt16]? {
        guard type == .signatureHashAlgorithms, data.count % 2 == 0 else { return nil }
        return stride(from: 0, to: data.count, by: 2).map { UInt16(data[$0]) << 8 | UInt16(data[$0 + 1]) }
    }

    /// The SPI as a 32-bit value, when it has 4 bytes (ESP/AH).
    public var spi32: UInt32? {
        guard spi.count == 4 else { return nil }
        return spi.reduce(0) { $0 << 8 | UInt32($1) }
    }

    static func decode(_ r: inout ByteReader) throws(WireError) -> Notify {
        let proto = ProtocolID(rawValue: try r.readU8("notify protocol"))
        let spiSize = Int(try r.readU8("notify spi size"))
        let type = NotifyType(rawValue: try r.readU16("notify type"))
        let spi = try r.readBytes(spiSize, "notify spi")
        return Notify(type, protocolID: proto, spi: spi, data: r.readRest())
    }

    func encode(into w: inout ByteWriter) {
        w.u8(protocolID.rawValue)
        w.u8(UInt8(truncatingIfNeeded: spi.count))
        w.u16(type.rawValue)
        w.append(spi)
        w.append(data)
    }
}

/// Four big-endian bytes of a 32-bit value.
public func bigEndianBytes(_ v: UInt32) -> [UInt8] {
    [UInt8(truncatingIfNeeded: v >> 24), UInt8(truncatingIfNeeded: v >> 16),
     UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)]
}
