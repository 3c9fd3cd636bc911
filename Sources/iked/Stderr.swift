#if canImport(Glibc)
import Glibc
#endif

/// Writes raw bytes to standard error (no C FILE globals, which Swift 6 treats as unsafe).
func writeStderr(_ bytes: UnsafeMutableRawBufferPointer) {
    _ = write(2, bytes.baseAddress, bytes.count)
}
