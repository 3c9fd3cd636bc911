/// TSi / TSr payload (RFC 7296 §3.13): a list of traffic selectors.
public struct TrafficSelectors: Hashable, Sendable {
    public var selectors: [TrafficSelector]
    public init(_ selectors: [TrafficSelector]) { self.selectors = selectors }

    static func decode(_ r: inout ByteReader) throws(WireError) -> TrafficSelectors {
        let count = Int(try r.readU8("TS count"))
        _ = try r.readBytes(3, "TS reserved")
        var selectors: [TrafficSelector] = []
        while !r.isAtEnd { selectors.append(try TrafficSelector.decode(&r)) }
        guard selectors.count == count else {
            throw WireError(.badValue, "TS payload says \(count) selectors, holds \(selectors.count)")
        }
        return TrafficSelectors(selectors)
    }

    func encode(into w: inout ByteWriter) {
        w.u8(UInt8(truncatingIfNeeded: selectors.count))
        w.append([0, 0, 0])
        for s in selectors { s.encode(into: &w) }
    }
}

/// One traffic selector (RFC 7296 §3.13.1): an address range, a port range and an IP protocol
/// (0 = any). Invariant for the known types: both addresses have 4 (IPv4) or 16 (IPv6) bytes.
/// Selectors of unknown types keep their body in `opaque` and round-trip unchanged.
public struct TrafficSelector: Hashable, Sendable {
    public var type: TSType
    public var ipProtocol: UInt8
    public var startPort: UInt16
    public var endPort: UInt16
    public var startAddress: [UInt8]
    public var endAddress: [UInt8]
    /// The body after the 4-byte selector header, for unknown selector types only.
    public var opaque: [UInt8]

    public init(type: TSType, ipProtocol: UInt8 = 0, startPort: UInt16 = 0, endPort: UInt16 = 65535,
                startAddress: [UInt8], endAddress: [UInt8]) {
        self.type = type
        self.ipProtocol = ipProtocol
        self.startPort = startPort
        self.endPort = endPort
        self.startAddress = startAddress
        self.endAddress = endAddress
        self.opaque = []
    }

    /// An IPv4 range selector, all protocols and ports unless given.
    public static func ipv4(_ start: [UInt8], _ end: [UInt8], ipProtocol: UInt8 = 0,
                            ports: ClosedRange<UInt16> = 0...65535) -> TrafficSelector {
        TrafficSelector(type: .ipv4AddressRange, ipProtocol: ipProtocol, startPort: ports.lowerBound,
                        endPort: ports.upperBound, startAddress: start, endAddress: end)
    }

    /// An IPv6 range selector, all protocols and ports unless given.
    public static func ipv6(_ start: [UInt8], _ end: [UInt8], ipProtocol: UInt8 = 0,
                            ports: ClosedRange<UInt16> = 0...65535) -> TrafficSelector {
        TrafficSelector(type: .ipv6AddressRange, ipProtocol: ipProtocol, startPort: ports.lowerBound,
                        endPort: ports.upperBound, startAddress: start, endAddress: end)
    }

    static func addressSize(_ type: TSType) -> Int? {
        switch type {
        case .ipv4AddressRange: 4
        case .ipv6AddressRange: 16
        default: nil
        }
    }

    static func decode(_ r: inout ByteReader) throws(WireError) -> TrafficSelector {
        let type = TSType(rawValue: try r.readU8("TS type"))
        let proto = try r.readU8("TS protocol")
        let length = Int(try r.readU16("TS length"))
        guard length >= 4, length - 4 <= r.remaining else {
            throw WireError(.badLength, "selector length \(length) with \(r.remaining + 4) bytes left")
        }
        var body = try r.sub(length - 4, "selector")
        guard let size = addressSize(type) else {
            var ts = TrafficSelector(type: type, ipProtocol: proto, startAddress: [], endAddress: [])
            ts.startPort = 0
            ts.endPort = 0
            ts.opaque = body.readRest()
            return ts
        }
        guard length == 8 + 2 * size else {
            throw WireError(.badLength, "\(type) selector of length \(length), expected \(8 + 2 * size)")
        }
        let startPort = try body.readU16("TS start port")
        let endPort = try body.readU16("TS end port")
        let start = try body.readBytes(size, "TS start address")
        let end = try body.readBytes(size, "TS end address")
        return TrafficSelector(type: type, ipProtocol: proto, startPort: startPort, endPort: endPort,
                               startAddress: start, endAddress: end)
    }

    func encode(into w: inout ByteWriter) {
        w.u8(type.rawValue)
        w.u8(ipProtocol)
        if TrafficSelector.addressSize(type) == nil {
            w.u16(UInt16(truncatingIfNeeded: 4 + opaque.count))
            w.append(opaque)
            return
        }
        w.u16(UInt16(truncatingIfNeeded: 8 + startAddress.count + endAddress.count))
        w.u16(startPort)
        w.u16(endPort)
        w.append(startAddress)
        w.append(endAddress)
    }
}
