import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// A failed system call: which one, on what, and errno's text.
public struct NetError: Error, CustomStringConvertible, Sendable {
    public let call: String
    public let detail: String
    public let code: Int32

    public init(_ call: String, _ detail: String = "", code: Int32 = errno) {
        self.call = call
        self.detail = detail
        self.code = code
    }

    public var description: String {
        "\(call)\(detail.isEmpty ? "" : " \(detail)"): \(String(cString: strerror(code)))"
    }
}

/// Monotonic time since boot, for the core's `now` (never the wall clock: rekeys must not jump).
public func monotonicNow() -> Duration {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return .seconds(ts.tv_sec) + .nanoseconds(ts.tv_nsec)
}

/// Writes raw bytes to standard error (no C FILE globals, which Swift 6 treats as unsafe).
public func writeStandardError(_ bytes: UnsafeMutableRawBufferPointer) {
    _ = write(2, bytes.baseAddress, bytes.count)
}
