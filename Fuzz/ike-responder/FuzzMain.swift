// fuzz-ike-responder: libFuzzer's main calls this once per input (see FuzzIKEResponder.swift).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    IKEResponderFuzz.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
