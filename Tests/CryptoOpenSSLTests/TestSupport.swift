import IKECrypto
@testable import CryptoOpenSSL

extension Array where Element == UInt8 {
    /// Bytes from a hex string (test vectors); traps on malformed input.
    init(hex: String) {
        let digits = Array(hex.utf8)
        precondition(digits.count % 2 == 0, "odd-length hex")
        func nibble(_ c: UInt8) -> UInt8 {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: preconditionFailure("bad hex digit")
            }
        }
        self = stride(from: 0, to: digits.count, by: 2).map { nibble(digits[$0]) << 4 | nibble(digits[$0 + 1]) }
    }

    var hex: String {
        let table = Array("0123456789abcdef".utf8)
        return String(decoding: flatMap { [table[Int($0 >> 4)], table[Int($0 & 15)]] }, as: UTF8.self)
    }
}

extension SecretBytes {
    convenience init(hex: String) { self.init([UInt8](hex: hex)) }
}

let provider = OpenSSLProvider()

/// Sizes for random round trips: every length up to 64, then a spread up to 2000.
let roundTripSizes: [Int] = Array(0...64) + [100, 127, 128, 129, 255, 256, 511, 1000, 1399, 1500, 2000]

/// Every AEAD configuration iked supports, as (algorithm, keying-material length).
let aeadConfigurations: [(EncryptionAlgorithm, Int)] = [
    (.aesGCM8, 20), (.aesGCM12, 20), (.aesGCM16, 20),
    (.aesGCM8, 28), (.aesGCM12, 28), (.aesGCM16, 28),
    (.aesGCM8, 36), (.aesGCM12, 36), (.aesGCM16, 36),
    (.chacha20Poly1305, 36),
]
