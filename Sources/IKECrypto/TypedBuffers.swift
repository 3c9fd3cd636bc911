/// `Array.withUnsafe(Mutable)Bytes` are `rethrows`, which erases typed throws; these carry a
/// typed error through the closure so `throws(CryptoError)` code can work on array storage.
extension Array where Element == UInt8 {
    package func withBytes<R, E: Error>(
        _ body: (UnsafeRawBufferPointer) throws(E) -> R
    ) throws(E) -> R {
        let result: Result<R, E> = withUnsafeBytes { p in Result { () throws(E) -> R in try body(p) } }
        return try result.get()
    }

    package mutating func withMutableBytes<R, E: Error>(
        _ body: (UnsafeMutableRawBufferPointer) throws(E) -> R
    ) throws(E) -> R {
        let result: Result<R, E> = withUnsafeMutableBytes { p in Result { () throws(E) -> R in try body(p) } }
        return try result.get()
    }
}
