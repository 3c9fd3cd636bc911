import COpenSSL
import IKECrypto
import Synchronization

/// OpenSSL's CSPRNG drawn 4 KiB at a time: each `RAND_bytes` call costs about a microsecond of
/// provider dispatch and locking whatever its size, and a handshake asks for nonces, SPIs and
/// IVs a few bytes at a time (about a tenth of its time went there). The bytes are exactly
/// RAND_bytes' output; each is handed out once and cleared as it is (OPENSSL_cleanse), and the
/// pool is cleared when released. Requests larger than half the pool go straight to RAND_bytes.
public final class PooledOpenSSLRandom: RandomSource {
    static let size = 4096

    /// Only touched under `pool`'s lock.
    private final class Pool: @unchecked Sendable {
        let bytes = UnsafeMutableRawPointer.allocate(byteCount: PooledOpenSSLRandom.size, alignment: 16)
        /// Bytes below `next` are used (and cleared).
        var next = PooledOpenSSLRandom.size

        deinit {
            OPENSSL_cleanse(bytes, PooledOpenSSLRandom.size)
            bytes.deallocate()
        }
    }

    private let pool = Mutex(Pool())

    public init() {}

    public func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        guard buffer.count > 0 else { return }
        guard buffer.count <= Self.size / 2 else { return OpenSSLRandom().fill(buffer) }
        pool.withLock { p in
            if Self.size - p.next < buffer.count {
                OpenSSLRandom().fill(UnsafeMutableRawBufferPointer(start: p.bytes, count: Self.size))
                p.next = 0
            }
            buffer.baseAddress!.copyMemory(from: p.bytes + p.next, byteCount: buffer.count)
            OPENSSL_cleanse(p.bytes + p.next, buffer.count)
            p.next += buffer.count
        }
    }
}
