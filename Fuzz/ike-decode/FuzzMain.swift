// fuzz-ike-decode: libFuzzer's main calls this once per input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    IKEDecodeFuzz.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
