/// SK payload (RFC 7296 §3.14): always the last payload of a message. Its generic header's
/// Next Payload field names the first payload inside the ciphertext, kept in `innerFirst`.
/// `body` is IV ‖ ciphertext ‖ ICV, protected and opened by IKECrypto's `SKCipher`; the
/// associated data is every message byte before `body` (the IKE header up to the SK header).
public struct EncryptedPayload: Hashable, Sendable {
    public var innerFirst: PayloadType
    public var body: [UInt8]
    public init(innerFirst: PayloadType, body: [UInt8]) { self.innerFirst = innerFirst; self.body = body }
}

/// SKF payload (RFC 7383 §2.5): one fragment of an SK payload. Only fragment 1 names the first
/// inner payload; the others carry 0 there. Invariant checked on decode (RFC 7383 §2.6):
/// 1 ≤ `number` ≤ `total`.
public struct EncryptedFragment: Hashable, Sendable {
    public var innerFirst: PayloadType
    public var number: UInt16
    public var total: UInt16
    public var body: [UInt8]

    /// Size of the fragment fields that precede the IV: they are part of the associated data.
    public static let fieldsSize = 4

    public init(innerFirst: PayloadType, number: UInt16, total: UInt16, body: [UInt8]) {
        self.innerFirst = innerFirst
        self.number = number
        self.total = total
        self.body = body
    }

    static func decode(_ r: inout ByteReader, innerFirst: PayloadType) throws(WireError) -> EncryptedFragment {
        let number = try r.readU16("SKF fragment number")
        let total = try r.readU16("SKF total fragments")
        guard number >= 1, number <= total else {
            throw WireError(.badValue, "SKF fragment \(number) of \(total)")
        }
        return EncryptedFragment(innerFirst: innerFirst, number: number, total: total, body: r.readRest())
    }

    func encode(into w: inout ByteWriter) { w.u16(number); w.u16(total); w.append(body) }
}
