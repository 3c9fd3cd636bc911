// libFuzzer target (single-threaded, hence `nonisolated(unsafe)` statics): SK payload decryption (`IKEMessageProtection.open`), SKF decryption
// (`openFragment`) and reassembly (`FragmentReassembler`), with fixed keys so that the fuzzer
// reaches the decrypted inner chain.
//
// Input: byte 0 picks the suite (low 2 bits: AES-GCM-16-256, ChaCha20-Poly1305,
// AES-CBC-128/HMAC-SHA1-96, AES-CBC-256/HMAC-SHA256-128) and the mode (next 2 bits); the rest
// is the mode's data:
//   0 raw      the data is a received datagram: `open` and `openFragment` return or throw a
//              ProtectionError; without a valid ICV nothing opens.
//   1 inner    data[0] names the first inner payload, the rest is the plaintext chain; the
//              target seals it with `SKCipher.protect` and opens it: it must open exactly when
//              `PayloadChain.decode` accepts the plaintext, to the same payloads.
//   2 padded   the data is the decrypted body itself, padding and Pad Length included (rounded
//              down to whole blocks for CBC); the target encrypts and authenticates it with the
//              raw primitives: `open` must strip any Pad Length that fits and refuse the others.
//   3 frags    a message ID, a limit and records (number, total, length, plaintext) sealed as
//              SKF datagrams and fed through `openFragment` into one reassembler; whatever
//              completes must be a chain that round-trips; then the data, if it decodes as a
//              chain, goes through `sealFragments` and back, in order and reversed.
import CryptoOpenSSL
import IKECore
import IKECrypto
import IKEWire

enum SKOpenFuzz {
    /// One suite's keys and the two directions: `sender` seals what `receiver` opens.
    struct Suite {
        let sender: IKEMessageProtection
        let receiver: IKEMessageProtection
        let encryption: EncryptionAlgorithm
        let encryptionKey: SecretBytes
        let integrity: IntegrityAlgorithm?
        let integrityKey: SecretBytes?
    }

    static let provider = OpenSSLProvider()
    static let random = SeededRandom(seed: 7)

    static func makeSuite(_ e: EncryptionAlgorithm, keyBytes: Int, _ i: IntegrityAlgorithm?) -> Suite {
        let ek = SecretBytes((0..<keyBytes).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) })
        let ik = i.map { alg in SecretBytes((0..<alg.keySize).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 5) }) }
        let other = SecretBytes((0..<keyBytes).map { UInt8(truncatingIfNeeded: $0 &+ 0x40) })
        func cipher(_ key: SecretBytes) -> SKCipher {
            try! SKCipher.make(provider: provider, encryption: e, encryptionKey: key, integrity: i, integrityKey: ik)
        }
        // The receiver's outbound keys differ, so a reflected message never opens by accident.
        let forward = cipher(ek)
        return Suite(sender: IKEMessageProtection(outbound: forward, inbound: cipher(other)),
                     receiver: IKEMessageProtection(outbound: cipher(other), inbound: cipher(ek)),
                     encryption: e, encryptionKey: ek, integrity: i, integrityKey: ik)
    }

    nonisolated(unsafe) static let suites: [Suite] = [
        makeSuite(.aesGCM16, keyBytes: 36, nil),
        makeSuite(.chacha20Poly1305, keyBytes: 36, nil),
        makeSuite(.aesCBC, keyBytes: 16, .hmacSHA1_96),
        makeSuite(.aesCBC, keyBytes: 32, .hmacSHA256_128),
    ]

    static let header = IKEHeader(initiatorSPI: 0x1122_3344_5566_7788, responderSPI: 0x99AA_BBCC_DDEE_FF00,
                                  exchangeType: .ikeAuth, isInitiator: true, isResponse: false, messageID: 1)

    static func run(_ bytes: [UInt8]) {
        guard let selector = bytes.first else { return }
        let suite = suites[Int(selector & 3)]
        let data = Array(bytes.dropFirst())
        switch (selector >> 2) & 3 {
        case 0: raw(suite, data)
        case 1: inner(suite, data)
        case 2: padded(suite, data)
        default: fragments(suite, data)
        }
    }

    // MARK: Modes

    static func raw(_ s: Suite, _ datagram: [UInt8]) {
        let decodes = (try? IKEMessage.decode(datagram)) != nil
        do {
            _ = try s.receiver.open(datagram)
        } catch {
            check(error, decodes: decodes)
        }
        do {
            _ = try s.receiver.openFragment(datagram)
        } catch {
            check(error, decodes: decodes)
        }
    }

    static func inner(_ s: Suite, _ data: [UInt8]) {
        guard let firstByte = data.first else { return }
        let first = PayloadType(rawValue: firstByte)
        let plaintext = Array(data.dropFirst())
        let datagram = skDatagram(first: first, bodyLength: s.sender.outbound.bodyLength(plaintextLength: plaintext.count)) { ad in
            try! s.sender.outbound.protect(associatedData: ad, plaintext: plaintext, random: random)
        }
        expectOpen(s, datagram, first: first, plaintext: plaintext)
    }

    static func padded(_ s: Suite, _ data: [UInt8]) {
        guard let firstByte = data.first else { return }
        let first = PayloadType(rawValue: firstByte)
        var decrypted = Array(data.dropFirst())
        let aead = s.encryption.isAEAD
        if !aead { decrypted.removeLast(decrypted.count % 16) }
        let ivSize = aead ? 8 : 16
        let icvSize = aead ? 16 : s.integrity!.icvSize
        let datagram = skDatagram(first: first, bodyLength: ivSize + decrypted.count + icvSize) { ad in
            aead ? sealAEAD(s, ad, decrypted) : sealCBC(s, ad, decrypted)
        }
        // What `open` must do with these decrypted bytes (RFC 7296 §3.14).
        let minimum = aead ? 1 : 16
        var expected: [UInt8]?
        if decrypted.count >= minimum, let pad = decrypted.last, Int(pad) + 1 <= decrypted.count {
            expected = Array(decrypted[..<(decrypted.count - Int(pad) - 1)])
        }
        guard let expected else {
            do {
                _ = try s.receiver.open(datagram)
                fatalError("opened a body whose padding is invalid")
            } catch {
                guard case .crypto = error else { fatalError("bad padding gave \(error), not a crypto error") }
            }
            return
        }
        expectOpen(s, datagram, first: first, plaintext: expected)
    }

    static func fragments(_ s: Suite, _ data: [UInt8]) {
        guard data.count >= 3 else { return }
        let messageID = UInt32(data[0] & 3)
        let limits = FragmentReassembler.Limits(maxFragments: Int(data[1] & 63) + 1, maxBytes: 64 + Int(data[2]) * 16)
        var reassembler = FragmentReassembler(limits: limits)
        var rest = data[3...]
        while rest.count >= 4 {
            let first = PayloadType(rawValue: rest[rest.startIndex])
            let number = UInt16(rest[rest.startIndex + 1]), total = UInt16(rest[rest.startIndex + 2])
            let length = min(Int(rest[rest.startIndex + 3]), rest.count - 4)
            let plaintext = Array(rest.dropFirst(4).prefix(length))
            rest = rest.dropFirst(4 + length)
            let datagram = skfDatagram(s, messageID: messageID, first: first, number: number, total: total, plaintext: plaintext)
            let opened: (message: IKEMessage, fragment: EncryptedFragment, plaintext: [UInt8])
            do {
                opened = try s.receiver.openFragment(datagram)
            } catch {
                // RFC 7383 §2.6: only a fragment number outside 1...total may fail here.
                guard case .malformed = error, number == 0 || number > total else { fatalError("fragment \(number)/\(total): \(error)") }
                continue
            }
            guard opened.plaintext == plaintext, opened.fragment.number == number else { fatalError("SKF did not round-trip") }
            if case .complete(let payloads) = reassembler.add(messageID: messageID, fragment: opened.fragment, plaintext: opened.plaintext) {
                guard !reassembler.isCollecting else { fatalError("still collecting after completion") }
                guard (try? PayloadChain.decode(first: payloads.first?.type ?? .none, PayloadChain.encode(payloads))) == payloads else {
                    fatalError("reassembled chain does not round-trip")
                }
            }
        }
        roundTripFragments(s, data)
    }

    /// A chain that decodes must survive `sealFragments` and reassembly in any arrival order.
    static func roundTripFragments(_ s: Suite, _ data: [UInt8]) {
        let first = PayloadType(rawValue: data[0])
        guard let payloads = try? PayloadChain.decode(first: first, Array(data.dropFirst(3))), !payloads.isEmpty else { return }
        let maxSize = 100 + Int(data[1]) * 8
        let sealed: [[UInt8]]
        do {
            sealed = try s.sender.sealFragments(header: header, payloads: payloads, maxSize: maxSize, random: random)
        } catch {
            guard case .fragment = error else { fatalError("sealFragments: \(error)") }
            return
        }
        for order in [sealed, sealed.reversed()] {
            var reassembler = FragmentReassembler(limits: FragmentReassembler.Limits(maxFragments: 64, maxBytes: 1 << 20))
            var outcome = FragmentReassembler.Outcome.incomplete
            for datagram in order {
                guard datagram.count <= maxSize else { fatalError("fragment of \(datagram.count) > \(maxSize)") }
                let opened: (message: IKEMessage, fragment: EncryptedFragment, plaintext: [UInt8])
                do { opened = try s.receiver.openFragment(datagram) } catch { fatalError("own fragment: \(error)") }
                outcome = reassembler.add(messageID: header.messageID, fragment: opened.fragment, plaintext: opened.plaintext)
            }
            guard outcome == .complete(payloads) else { fatalError("reassembly gave \(outcome), not the sealed chain") }
        }
    }

    // MARK: Building datagrams

    /// A datagram with one SK payload of `bodyLength` bytes whose body `protect` makes from the
    /// associated data (everything before the body, lengths final).
    static func skDatagram(first: PayloadType, bodyLength: Int, protect: ([UInt8]) -> [UInt8]) -> [UInt8] {
        var bytes = IKEMessage(header: header, payloads: [.encrypted(EncryptedPayload(innerFirst: first, body: [UInt8](repeating: 0, count: bodyLength)))]).encode()
        let prefix = bytes.count - bodyLength
        let body = protect(Array(bytes[..<prefix]))
        precondition(body.count == bodyLength)
        bytes.replaceSubrange(prefix..., with: body)
        return bytes
    }

    /// An SKF datagram with the raw number and total (possibly invalid), sealed by the sender.
    static func skfDatagram(_ s: Suite, messageID: UInt32, first: PayloadType, number: UInt16, total: UInt16, plaintext: [UInt8]) -> [UInt8] {
        var h = header
        h.messageID = messageID
        let bodyLength = s.sender.outbound.bodyLength(plaintextLength: plaintext.count)
        var bytes = IKEMessage(header: h, payloads: [.encryptedFragment(EncryptedFragment(
            innerFirst: first, number: number, total: total, body: [UInt8](repeating: 0, count: bodyLength)))]).encode()
        let prefix = bytes.count - bodyLength
        let body = try! s.sender.outbound.protect(associatedData: Array(bytes[..<prefix]), plaintext: plaintext, random: random)
        bytes.replaceSubrange(prefix..., with: body)
        return bytes
    }

    static func sealAEAD(_ s: Suite, _ ad: [UInt8], _ decrypted: [UInt8]) -> [UInt8] {
        let aead = try! provider.makeAEAD(s.encryption, key: s.encryptionKey)
        let iv: UInt64 = 0x0102_0304_0506_0708
        return bigEndian(iv) + (try! aead.seal(iv: iv, aad: ad, plaintext: decrypted))
    }

    static func sealCBC(_ s: Suite, _ ad: [UInt8], _ decrypted: [UInt8]) -> [UInt8] {
        let cipher = try! provider.makeBlockCipher(keyLength: s.encryptionKey.count, key: s.encryptionKey)
        let integrity = try! provider.makeIntegrity(s.integrity!, key: s.integrityKey!)
        let iv = [UInt8](repeating: 0x42, count: 16)
        let encrypted = decrypted.isEmpty ? [] : try! cipher.encrypt(iv: iv, decrypted)
        let icv = integrity.compute(ad + iv + encrypted)
        return iv + encrypted + icv
    }

    static func bigEndian(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (56 - 8 * $0)) } }

    // MARK: Properties

    /// `open` of our own sealed body: success exactly when the plaintext is a valid chain.
    static func expectOpen(_ s: Suite, _ datagram: [UInt8], first: PayloadType, plaintext: [UInt8]) {
        let chain = try? PayloadChain.decode(first: first, plaintext)
        do {
            let opened = try s.receiver.open(datagram)
            guard let chain, opened.payloads == chain else { fatalError("opened payloads differ from the plaintext's chain") }
            guard opened.message.header.messageID == header.messageID else { fatalError("header changed") }
        } catch {
            guard chain == nil, case .malformed = error else { fatalError("own SK payload failed: \(error)") }
        }
    }

    /// A datagram that does not decode must fail as malformed; one that does, with no SK/SKF,
    /// as not encrypted; anything else as a crypto failure (no key, no forgery).
    static func check(_ error: ProtectionError, decodes: Bool) {
        switch error {
        case .malformed: guard !decodes else { fatalError("decodable datagram reported malformed") }
        case .notEncrypted, .crypto: guard decodes else { fatalError("undecodable datagram got past decoding: \(error)") }
        case .fragment: fatalError("open never reports fragment errors")
        }
    }
}
