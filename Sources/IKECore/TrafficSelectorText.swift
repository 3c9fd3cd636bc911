import IKEWire

/// Text forms of a traffic selector, used in configuration, logs and `ikectl status`:
/// `10.1.0.0/16`, `2001:db8::/32`, `10.1.0.5-10.1.0.9`, each optionally followed by
/// `[protocol]` or `[protocol/ports]` as strongSwan writes them (`10.1.0.0/16[tcp/443]`,
/// `[udp/500-4500]`, `[any/53]`). `notation` and `init(parsing:)` round-trip.
extension TrafficSelector {
    /// A selector for one CIDR prefix, or one address (as /32 or /128) when there is no "/".
    ///
    /// Host bits below the prefix are accepted and cleared: `10.1.2.3/16` is `10.1.0.0/16`, as
    /// strongSwan reads `leftsubnet`. A config validator that wants to warn about this can compare
    /// the text with `notation`.
    public init(cidr text: String, ipProtocol: UInt8 = 0,
                ports: ClosedRange<UInt16> = 0...65535) throws(TrafficSelectorParseError) {
        let (start, end) = try Self.parseCIDR(Substring(text))
        self.init(type: start.count == 4 ? .ipv4AddressRange : .ipv6AddressRange, ipProtocol: ipProtocol,
                  startPort: ports.lowerBound, endPort: ports.upperBound, startAddress: start, endAddress: end)
    }

    /// Parses the full notation: a CIDR prefix, a single address or `start-end`, then an optional
    /// `[protocol/ports]` where protocol is a name, a number or `any`, and ports are a number,
    /// `lo-hi` or `opaque`.
    public init(parsing text: String) throws(TrafficSelectorParseError) {
        var body = Substring(text)
        var proto: UInt8 = 0
        var ports = PortSpan.any
        if let open = body.firstIndex(of: "[") {
            guard body.last == "]" else { throw TrafficSelectorParseError(text, "'[' without a closing ']'") }
            let inner = body[body.index(after: open)..<body.index(before: body.endIndex)]
            (proto, ports) = try Self.parseProtocolAndPorts(inner, text)
            body = body[..<open]
        }
        let start: [UInt8], end: [UInt8]
        if let dash = body.firstIndex(of: "-") {
            start = try AddressText.parse(body[..<dash])
            end = try AddressText.parse(body[body.index(after: dash)...])
            guard start.count == end.count else {
                throw TrafficSelectorParseError(text, "range mixes IPv4 and IPv6")
            }
            guard AddressBytes.compare(start, end) <= 0 else {
                throw TrafficSelectorParseError(text, "range start is above its end")
            }
        } else {
            (start, end) = try Self.parseCIDR(body)
        }
        self.init(type: start.count == 4 ? .ipv4AddressRange : .ipv6AddressRange, ipProtocol: proto,
                  startPort: ports.start, endPort: ports.end, startAddress: start, endAddress: end)
    }

    /// `10.1.0.0/16` when the address range is one CIDR block, else `start-end`; then
    /// `[protocol/ports]` unless it admits every protocol and port. Unknown types print their type.
    public var notation: String {
        guard addressLength != nil else { return "\(type)" }
        var text: String
        if let prefix = AddressBytes.prefixLength(start: startAddress, end: endAddress) {
            text = AddressText.format(startAddress) + "/" + String(prefix)
        } else {
            text = AddressText.format(startAddress) + "-" + AddressText.format(endAddress)
        }
        if !isAnyProtocolAndPort {
            text += "[" + Self.protocolName(ipProtocol)
            if ports.isOpaque {
                text += "/opaque"
            } else if !ports.isAny {
                text += "/" + (startPort == endPort ? String(startPort) : "\(startPort)-\(endPort)")
            }
            text += "]"
        }
        return text
    }

    private static func parseCIDR(_ text: Substring) throws(TrafficSelectorParseError) -> ([UInt8], [UInt8]) {
        guard !text.isEmpty else { throw TrafficSelectorParseError("", "empty address") }
        guard let slash = text.firstIndex(of: "/") else {
            let address = try AddressText.parse(text)
            return (address, address)
        }
        let address = try AddressText.parse(text[..<slash])
        let digits = text[text.index(after: slash)...]
        guard (1...3).contains(digits.utf8.count), digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
              let prefix = Int(digits), prefix <= 8 * address.count else {
            throw TrafficSelectorParseError(String(text),
                                            "prefix length must be 0 to \(8 * address.count)")
        }
        return AddressBytes.prefixRange(address, prefix: prefix)
    }

    private static func parseProtocolAndPorts(_ inner: Substring, _ text: String)
        throws(TrafficSelectorParseError) -> (UInt8, PortSpan) {
        let parts = inner.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let proto = protocolNumber(parts[0]) else {
            throw TrafficSelectorParseError(text, "unknown protocol '\(parts[0])'")
        }
        guard parts.count == 2 else { return (proto, .any) }
        let ports = parts[1]
        if ports == "opaque" { return (proto, .opaque) }
        let bounds = ports.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard let lo = UInt16(bounds[0]), let hi = bounds.count == 2 ? UInt16(bounds[1]) : lo, lo <= hi else {
            throw TrafficSelectorParseError(text, "ports '\(ports)' are not a number or lo-hi range")
        }
        return (proto, PortSpan(start: lo, end: hi))
    }

    private static let protocolNames: [(UInt8, String)] = [
        (1, "icmp"), (6, "tcp"), (17, "udp"), (47, "gre"), (50, "esp"), (58, "ipv6-icmp"), (132, "sctp"),
    ]

    static func protocolName(_ number: UInt8) -> String {
        if number == 0 { return "any" }
        return protocolNames.first { $0.0 == number }?.1 ?? String(number)
    }

    static func protocolNumber(_ text: Substring) -> UInt8? {
        if text == "any" { return 0 }
        if let named = protocolNames.first(where: { $0.1 == text }) { return named.0 }
        return UInt8(text)
    }
}

extension Array where Element == TrafficSelector {
    /// The selectors' notations separated by ", " (a TSi or TSr list in logs).
    public var notation: String { map(\.notation).joined(separator: ", ") }
}
