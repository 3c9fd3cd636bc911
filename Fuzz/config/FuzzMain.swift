// fuzz-config: libFuzzer's main calls this once per input (see FuzzConfig.swift).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    ConfigFuzz.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
