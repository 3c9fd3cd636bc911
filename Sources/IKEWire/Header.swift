/// The fixed 28-byte IKE header (RFC 7296 §3.1). `length` is the whole message's length and is
/// filled in by the encoder; decoded headers carry the value that was on the wire.
public struct IKEHeader: Hashable, Sendable {
    public static let size = 28

    public var initiatorSPI: UInt64
    public var responderSPI: UInt64
    /// Type of the first payload (set by the message encoder from its payload list).
    public var nextPayload: PayloadType
    public var majorVersion: UInt8
    public var minorVersion: UInt8
    public var exchangeType: ExchangeType
    /// Raw flags byte; see `isInitiator`, `isResponse`, `higherVersion`.
    public var flags: UInt8
    public var messageID: UInt32
    public var length: UInt32

    public static let initiatorFlag: UInt8 = 0x08
    public static let versionFlag: UInt8 = 0x10
    public static let responseFlag: UInt8 = 0x20

    public init(initiatorSPI: UInt64, responderSPI: UInt64, exchangeType: ExchangeType,
                isInitiator: Bool, isResponse: Bool, messageID: UInt32,
                nextPayload: PayloadType = .none, length: UInt32 = 0) {
        self.initiatorSPI = initiatorSPI
        self.responderSPI = responderSPI
        self.nextPayload = nextPayload
        self.majorVersion = 2
        self.minorVersion = 0
        self.exchangeType = exchangeType
        self.flags = (isInitiator ? Self.initiatorFlag : 0) | (isResponse ? Self.responseFlag : 0)
        self.messageID = messageID
        self.length = length
    }

    /// The I flag: set in messages sent by the original initiator of the IKE SA.
    public var isInitiator: Bool {
        get { flags & Self.initiatorFlag != 0 }
        set { flags = newValue ? flags | Self.initiatorFlag : flags & ~Self.initiatorFlag }
    }
    /// The R flag: set in responses.
    public var isResponse: Bool {
        get { flags & Self.responseFlag != 0 }
        set { flags = newValue ? flags | Self.responseFlag : flags & ~Self.responseFlag }
    }
    /// The V flag: the sender can speak a higher major version.
    public var higherVersion: Bool { flags & Self.versionFlag != 0 }

    /// Decodes the header alone. Used by the SA manager to route a datagram (and to answer
    /// INVALID_MAJOR_VERSION) before the payloads are parsed.
    public static func decode(_ r: inout ByteReader) throws(WireError) -> IKEHeader {
        try r.require(size, "IKE header")
        let spiI = try r.readU64()
        let spiR = try r.readU64()
        let next = PayloadType(rawValue: try r.readU8())
        let version = try r.readU8()
        let exchange = ExchangeType(rawValue: try r.readU8())
        let flags = try r.readU8()
        let msgID = try r.readU32()
        let length = try r.readU32()
        var h = IKEHeader(initiatorSPI: spiI, responderSPI: spiR, exchangeType: exchange,
                          isInitiator: false, isResponse: false, messageID: msgID,
                          nextPayload: next, length: length)
        h.majorVersion = version >> 4
        h.minorVersion = version & 0x0f
        h.flags = flags
        return h
    }

    public static func decode(_ bytes: [UInt8]) throws(WireError) -> IKEHeader {
        var r = ByteReader(bytes)
        return try decode(&r)
    }

    public func encode(into w: inout ByteWriter) {
        w.u64(initiatorSPI)
        w.u64(responderSPI)
        w.u8(nextPayload.rawValue)
        w.u8(majorVersion << 4 | (minorVersion & 0x0f))
        w.u8(exchangeType.rawValue)
        w.u8(flags)
        w.u32(messageID)
        w.u32(length)
    }
}
