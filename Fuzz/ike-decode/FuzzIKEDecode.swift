// libFuzzer target: IKE message decoding (IKEWire).
//
// Properties checked on every input:
//  1. decoding returns or throws a WireError; it never traps (ASan catches memory errors);
//  2. whatever decodes re-encodes to a datagram of the same length that decodes to the same value;
//  3. the bytes after the first also decode (or fail cleanly) as a plaintext inner chain whose
//     first payload type is the first byte, which is what the core does with a decrypted SK payload.
import IKEWire

enum IKEDecodeFuzz {
    static func run(_ bytes: [UInt8]) {
        if let message = try? IKEMessage.decode(bytes) {
            let encoded = message.encode()
            guard encoded.count == bytes.count else {
                fatalError("re-encoded length \(encoded.count) != \(bytes.count)")
            }
            guard let again = try? IKEMessage.decode(encoded), again == message else {
                fatalError("decode(encode(m)) != m")
            }
        }
        if bytes.count > 1 {
            let first = PayloadType(rawValue: bytes[0])
            if let chain = try? PayloadChain.decode(first: first, Array(bytes[1...])) {
                guard (try? PayloadChain.decode(first: first, PayloadChain.encode(chain))) == chain else {
                    fatalError("inner chain does not round-trip")
                }
            }
        }
    }
}
