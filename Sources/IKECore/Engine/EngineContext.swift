import IKECrypto
import IKEWire

/// Services and output queues shared by every IKE SA of one engine: the crypto provider and
/// random source (both arguments, DESIGN §1), the outboxes polled by the daemon, drop counters,
/// and the ESP SPIs in use. Invariant: nothing here does I/O or reads a clock.
final class EngineContext {
    let provider: any CryptoProvider
    let random: any RandomSource
    let settings: EngineSettings
    var transmits: [Datagram] = []
    var events: [IKEEvent] = []
    var logs: [LogRecord] = []
    var drops: [DropReason: Int] = [:]
    /// IKE SAs created inside another SA's exchange (IKE rekey) for the engine to register.
    var spawned: [IKESA] = []
    /// Tunnels whose SA died with `dpd_action = restart`, to initiate again.
    var restarts: [String] = []
    /// IKE SAs to remove because INITIAL_CONTACT told us the peer forgot them (RFC 7296 §2.4).
    var initialContacts: [(tunnel: String, remoteID: Identification, keep: UInt64)] = []
    private(set) var childSPIs: Set<UInt32> = []

    init(provider: any CryptoProvider, random: any RandomSource, settings: EngineSettings) {
        self.provider = provider
        self.random = random
        self.settings = settings
    }

    /// Records a log line; one below `settings.logLevel` is never formatted.
    func log(_ level: LogRecord.Level, _ tunnel: String, _ message: @autoclosure () -> String) {
        guard level >= settings.logLevel else { return }
        logs.append(LogRecord(level: level, tunnel: tunnel, message: message()))
    }

    func drop(_ reason: DropReason, _ tunnel: String, _ detail: @autoclosure () -> String) {
        drops[reason, default: 0] += 1
        log(.debug, tunnel, "dropped datagram (\(reason.rawValue)): \(detail())")
    }

    /// A fresh inbound ESP SPI: random, unique in this engine, never 0–255 (RFC 4303 §2.1).
    func allocateChildSPI() -> UInt32 {
        while true {
            let spi = UInt32(truncatingIfNeeded: random.uint64())
            if spi > 255, childSPIs.insert(spi).inserted { return spi }
        }
    }

    func releaseChildSPI(_ spi: UInt32) { childSPIs.remove(spi) }

    /// A fresh, nonzero IKE SPI (uniqueness is checked by the engine's table).
    func ikeSPI() -> UInt64 {
        while true {
            let spi = random.uint64()
            if spi != 0 { return spi }
        }
    }

    /// A nonce of 32 bytes: at least half the PRF key size for every PRF here (RFC 7296 §2.10).
    func nonce() -> [UInt8] { random.bytes(32) }

    /// A random duration in [base, 2 × base), for retry delays after TEMPORARY_FAILURE.
    func jittered(_ base: Duration) -> Duration {
        let ms = base.inMilliseconds
        return .milliseconds(Int64(ms + ms * random.unitInterval()))
    }
}

/// Lexicographic comparison of nonces as big-endian numbers, for the collision rules of
/// RFC 7296 §2.8.1 and §2.8.2 ("the lowest of the four nonces").
func lowestNonce(_ nonces: [[UInt8]]) -> [UInt8] {
    nonces.min { a, b in a.lexicographicallyPrecedes(b) } ?? []
}
