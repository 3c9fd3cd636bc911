// libFuzzer target: IKE message decoding (IKEWire). Compiled together with Sources/IKEWire by
// scripts/fuzz.sh with `-sanitize=fuzzer,address`, so no import is needed.
//
// Properties checked on every input:
//  1. decoding returns or throws a WireError; it never traps (ASan catches memory errors);
//  2. whatever decodes re-encodes to a datagram of the same length that decodes to the same value;
//  3. the bytes after the header also decode (or fail cleanly) as a plaintext inner chain,
//     which is what the core does with a decrypted SK payload.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIKEDecode(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let message = try? IKEMessage.decode(bytes) {
        let encoded = message.encode()
        guard encoded.count == bytes.count else {
            fatalError("re-encoded length \(encoded.count) != \(bytes.count)")
        }
        guard let again = try? IKEMessage.decode(encoded), again == message else {
            fatalError("decode(encode(m)) != m")
        }
    }
    if size > 1 {
        let first = PayloadType(rawValue: bytes[0])
        if let chain = try? PayloadChain.decode(first: first, Array(bytes[1...])) {
            guard (try? PayloadChain.decode(first: first, PayloadChain.encode(chain))) == chain else {
                fatalError("inner chain does not round-trip")
            }
        }
    }
    return 0
}
