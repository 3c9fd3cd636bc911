import COpenSSL

/// The AES ciphers, fetched from OpenSSL's default provider once per process.
///
/// OpenSSL 3 resolves a legacy `EVP_aes_256_gcm()` to the provider's implementation on every
/// `EVP_CipherInit_ex` that names it (an "implicit fetch": a locked lookup by name). An IKE SA
/// keys four SK contexts and a Child SA two to four ESP ones, so the lookup was a visible part
/// of a handshake. An explicitly fetched `EVP_CIPHER` skips it. If a fetch fails (an OpenSSL
/// built without providers), the legacy object is used and OpenSSL fetches as before.
enum FetchedCiphers {
    nonisolated(unsafe) static let aes128GCM = fetch("AES-128-GCM") ?? EVP_aes_128_gcm()
    nonisolated(unsafe) static let aes192GCM = fetch("AES-192-GCM") ?? EVP_aes_192_gcm()
    nonisolated(unsafe) static let aes256GCM = fetch("AES-256-GCM") ?? EVP_aes_256_gcm()
    nonisolated(unsafe) static let aes128CBC = fetch("AES-128-CBC") ?? EVP_aes_128_cbc()
    nonisolated(unsafe) static let aes192CBC = fetch("AES-192-CBC") ?? EVP_aes_192_cbc()
    nonisolated(unsafe) static let aes256CBC = fetch("AES-256-CBC") ?? EVP_aes_256_cbc()

    /// Never freed: each lives as long as the process.
    private static func fetch(_ name: String) -> OpaquePointer? { EVP_CIPHER_fetch(nil, name, nil) }
}
