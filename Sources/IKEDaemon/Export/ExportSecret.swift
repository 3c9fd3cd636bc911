import IKECrypto
import IKEWire

/// The one place an export reads the pre-shared key out of its `SecretBytes`. Every format asks
/// here, so "no key without --include-secrets" is decided once.
/// Invariant: with `include == false` nothing here touches the key's bytes.
enum ExportSecret {
    /// Stands where the key would be; valid in every format's syntax as a quoted string.
    static let placeholder = "<PSK: run with --include-secrets>"

    /// The key as text when it is printable ASCII, else nil (a key from a `psk_file` may hold
    /// any bytes). Only called when the user asked for secrets.
    static func printable(_ psk: SecretBytes) -> String? {
        psk.withUnsafeBytes { raw -> String? in
            guard raw.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { return nil }
            return String(decoding: raw, as: UTF8.self)
        }
    }

    /// The key as lower-case hex, for formats that can say "these bytes" (swanctl's `0x...`).
    static func hexDigits(_ psk: SecretBytes) -> String {
        psk.withUnsafeBytes { raw in hex(raw) }
    }
}
