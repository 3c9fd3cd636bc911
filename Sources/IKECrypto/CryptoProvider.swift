/// Makes keyed primitive objects. IKECore and ESPCore see only this protocol; CryptoOpenSSL
/// implements it (DESIGN §1).
///
/// Invariants: every factory validates key lengths and throws `invalidKeyLength` rather than
/// truncating or padding a key; each returned object is independent (own library context),
/// so two SAs never share mutable state; `random` is a cryptographically secure source.
/// All lengths are in bytes.
public protocol CryptoProvider: Sendable {
    var random: any RandomSource { get }

    func makePRF(_ algorithm: PRFAlgorithm) throws(CryptoError) -> any PRF

    /// `key` is the keying material from prf+: cipher key ‖ 4-byte salt (RFC 4106 §8.1,
    /// RFC 5282 §7.1, RFC 7634 §2). For AES-GCM its length picks AES-128/192/256.
    func makeAEAD(_ algorithm: EncryptionAlgorithm, key: SecretBytes) throws(CryptoError) -> any AEAD

    /// AES-CBC with a `keyLength`-byte key (16, 24 or 32; `key.count` must match).
    func makeBlockCipher(keyLength: Int, key: SecretBytes) throws(CryptoError) -> any BlockCipher

    func makeIntegrity(_ algorithm: IntegrityAlgorithm, key: SecretBytes) throws(CryptoError) -> any Integrity

    /// A fresh key pair with a private key from the provider's secure random source.
    func makeKeyExchange(_ group: DHGroup) throws(CryptoError) -> any KeyExchange

    /// A key pair with a given private key, for published test vectors: the MODP exponent or
    /// ECP scalar big-endian, or the 32-byte X25519 scalar (RFC 7748 §5).
    func makeKeyExchange(_ group: DHGroup, privateKey: SecretBytes) throws(CryptoError) -> any KeyExchange

    /// The plain (unkeyed) hash of `data`, `algorithm.digestSize` bytes long. For values that
    /// are public by design, such as the NAT detection hashes (RFC 7296 §2.23); keyed uses go
    /// through `makePRF` / `makeIntegrity`.
    func digest(_ algorithm: HashAlgorithm, _ data: [UInt8]) -> [UInt8]
}
