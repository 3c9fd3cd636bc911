/// An IANA-registered number that may hold values we do not know (swift-system's open-enum
/// pattern): unknown values decode, round-trip and print as numbers, so a newer peer's payloads
/// never break parsing. Conformers list their known names in `knownNames`.
public protocol OpenEnum: RawRepresentable, Hashable, Sendable, CustomStringConvertible
where RawValue: FixedWidthInteger & Sendable {
    init(rawValue: RawValue)
    static var knownNames: [RawValue: String] { get }
}

extension OpenEnum {
    // Inlinable, so each conformer's lookup is specialised in the caller's module instead of
    // hashing through generic witnesses: names are in every handshake's proposal text.
    @inlinable public var description: String { Self.knownNames[rawValue] ?? "\(String(describing: Self.self))(\(rawValue))" }
    /// True when the value has a name in the registry as we know it.
    @inlinable public var isKnown: Bool { Self.knownNames[rawValue] != nil }
}
