// fuzz-sk-open: libFuzzer's main calls this once per input (see FuzzSKOpen.swift).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    SKOpenFuzz.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
