import IKECrypto

/// Stateless responder cookies (RFC 7296 §2.6). Under load, the responder answers an
/// IKE_SA_INIT with N(COOKIE) instead of creating state; the cookie is
/// `version ‖ prf(secret_version, Ni ‖ IPi ‖ SPIi)`, so it can be checked later from the retried
/// request alone. The secret rotates every `rotation`; cookies made with the previous secret
/// stay valid for one more period. Pure: time and randomness are arguments.
public struct CookieGenerator {
    /// Size of the secret keying the PRF.
    public static let secretSize = 32

    let prf: any PRF
    public let rotation: Duration
    private(set) var version: UInt8 = 0
    private var secret: SecretBytes
    private var previous: SecretBytes?
    private var rotatedAt: Duration

    public init(prf: any PRF, rotation: Duration = .seconds(120), now: Duration, random: some RandomSource) {
        self.prf = prf
        self.rotation = rotation
        self.secret = random.secretBytes(Self.secretSize)
        self.rotatedAt = now
    }

    /// RFC 7296 §2.6: cookies are required once half-open IKE SAs reach the threshold.
    public static func isRequired(halfOpen: Int, threshold: Int) -> Bool { halfOpen >= threshold }

    /// Replaces the secret when its period has passed.
    public mutating func rotateIfDue(now: Duration, random: some RandomSource) {
        guard now - rotatedAt >= rotation else { return }
        previous = secret
        secret = random.secretBytes(Self.secretSize)
        version &+= 1
        rotatedAt = now
    }

    /// The cookie to send in N(COOKIE) for this initiator (1 + PRF output bytes, ≤ 64 per §3.10.1).
    public func cookie(nonceI: [UInt8], initiatorAddress: [UInt8], spiI: UInt64) -> [UInt8] {
        [version] + mac(secret, nonceI, initiatorAddress, spiI)
    }

    /// True when a returned cookie was made by us for this initiator, now or one period ago.
    public func verify(_ cookie: [UInt8], nonceI: [UInt8], initiatorAddress: [UInt8], spiI: UInt64) -> Bool {
        guard let v = cookie.first, cookie.count == 1 + prf.outputSize else { return false }
        let key: SecretBytes? = v == version ? secret : (v == version &- 1 ? previous : nil)
        guard let key else { return false }
        let expected = mac(key, nonceI, initiatorAddress, spiI)
        return expected.withUnsafeBytes { e in cookie[1...].withUnsafeBytes { c in constantTimeEqual(e, UnsafeRawBufferPointer(c)) } }
    }

    private func mac(_ key: SecretBytes, _ nonce: [UInt8], _ address: [UInt8], _ spi: UInt64) -> [UInt8] {
        prf.compute(key: key, data: nonce + address + bigEndianBytes(spi)).bytes
    }
}
