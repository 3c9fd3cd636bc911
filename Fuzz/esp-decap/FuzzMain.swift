// fuzz-esp-decap: libFuzzer's main calls this once per input (see FuzzESPDecap.swift).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    ESPDecapFuzz.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
