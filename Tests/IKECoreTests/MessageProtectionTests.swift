import CryptoOpenSSL
import IKECrypto
import IKEWire
import Testing
@testable import IKECore

/// SK sealing/opening and RFC 7383 fragmentation between two ends of one IKE SA.
struct MessageProtectionTests {
    let provider = OpenSSLProvider()

    /// The two ends' protections for a suite: the initiator's outbound is the responder's inbound.
    func pair(_ enc: EncryptionAlgorithm, _ integ: IntegrityAlgorithm?) throws -> (i: IKEMessageProtection, r: IKEMessageProtection) {
        let rnd = SeededRandom(seed: 7)
        let encLen = try #require(enc.keyMaterialLength(keyLengthBits: enc == .chacha20Poly1305 ? nil : 256))
        let ei = rnd.secretBytes(encLen), er = rnd.secretBytes(encLen)
        let ai = integ.map { rnd.secretBytes($0.keySize) }, ar = integ.map { rnd.secretBytes($0.keySize) }
        func make(_ e: SecretBytes, _ a: SecretBytes?) throws -> SKCipher {
            try SKCipher.make(provider: provider, encryption: enc, encryptionKey: e, integrity: integ, integrityKey: a)
        }
        return (IKEMessageProtection(outbound: try make(ei, ai), inbound: try make(er, ar)),
                IKEMessageProtection(outbound: try make(er, ar), inbound: try make(ei, ai)))
    }

    static let suites: [(EncryptionAlgorithm, IntegrityAlgorithm?)] = [
        (.aesGCM16, nil), (.chacha20Poly1305, nil), (.aesCBC, .hmacSHA256_128), (.aesCBC, .hmacSHA1_96),
    ]

    var authPayloads: [Payload] {
        [.idInitiator(.fqdn("azure-gw.example.net")), .notify(Notify(.initialContact)),
         .authentication(Authentication(method: .sharedKeyMIC, data: Array(repeating: 0x42, count: 32))),
         .securityAssociation(SecurityAssociation(proposals: [try! ProposalParser.parse("aes256gcm16", for: .esp).proposal(number: 1, spi: [1, 2, 3, 4])])),
         .tsInitiator(TrafficSelectors([.ipv4([10, 1, 0, 0], [10, 1, 255, 255])])),
         .tsResponder(TrafficSelectors([.ipv4([10, 2, 0, 0], [10, 2, 255, 255])]))]
    }

    let header = IKEHeader(initiatorSPI: 0x1111, responderSPI: 0x2222, exchangeType: .ikeAuth,
                           isInitiator: true, isResponse: false, messageID: 1)

    @Test("seal → open", arguments: suites.indices)
    func sealOpen(_ i: Int) throws {
        let (ini, res) = try pair(Self.suites[i].0, Self.suites[i].1)
        let d = try ini.seal(header: header, payloads: authPayloads, random: SeededRandom(seed: 1))
        let (msg, inner) = try res.open(d)
        #expect(inner == authPayloads)
        #expect(msg.header.messageID == 1 && msg.header.exchangeType == .ikeAuth)
        // The sender cannot open its own message (wrong direction's keys), and a flipped bit fails.
        #expect(throws: ProtectionError.self) { try ini.open(d) }
        var bad = d
        bad[bad.count - 1] ^= 1
        #expect(throws: ProtectionError.self) { try res.open(bad) }
        bad = d
        bad[20] ^= 0x04  // the message ID (header) is authenticated too
        #expect(throws: ProtectionError.self) { try res.open(bad) }
    }

    @Test("fragment → reassemble, any order", arguments: suites.indices)
    func fragments(_ i: Int) throws {
        let (ini, res) = try pair(Self.suites[i].0, Self.suites[i].1)
        for size in [120, 160, 300, 1280] {
            let frags = try ini.sealFragments(header: header, payloads: authPayloads, maxSize: size, random: SeededRandom(seed: 2))
            #expect(frags.allSatisfy { $0.count <= size }, "size \(size)")
            #expect(size < 300 ? frags.count > 1 : true)
            var r = FragmentReassembler()
            var result: [Payload]? = nil
            for d in frags.reversed() + [frags[0]] {   // reverse order, then a duplicate
                let (m, f, plain) = try res.openFragment(d)
                if case .complete(let p) = r.add(messageID: m.header.messageID, fragment: f, plaintext: plain) { result = p }
            }
            #expect(result == authPayloads, "size \(size)")
        }
    }

    @Test func tooSmallFragmentSizeIsAnError() throws {
        let (ini, _) = try pair(.aesCBC, .hmacSHA256_128)
        #expect(throws: ProtectionError.self) {
            try ini.sealFragments(header: header, payloads: authPayloads, maxSize: 60, random: SeededRandom(seed: 3))
        }
    }

    @Test func reassemblerLimits() {
        var r = FragmentReassembler(limits: .init(maxFragments: 4, maxBytes: 100))
        let f = { (n: UInt16, t: UInt16) in EncryptedFragment(innerFirst: n == 1 ? .nonce : .none, number: n, total: t, body: []) }
        #expect(r.add(messageID: 1, fragment: f(1, 5), plaintext: [1]) != .incomplete)  // over maxFragments
        #expect(r.add(messageID: 1, fragment: f(1, 3), plaintext: Array(repeating: 0, count: 60)) == .incomplete)
        if case .dropped = r.add(messageID: 1, fragment: f(2, 3), plaintext: Array(repeating: 0, count: 60)) {} else {
            Issue.record("byte limit not enforced")
        }
        #expect(!r.isCollecting)
        // Inconsistent totals within one message: the lower one is dropped.
        #expect(r.add(messageID: 2, fragment: f(1, 3), plaintext: [0, 0, 0, 4]) == .incomplete)
        if case .dropped = r.add(messageID: 2, fragment: f(2, 2), plaintext: []) {} else { Issue.record("total mismatch kept") }
        // A Nonce payload split across fragments reassembles.
        let nonceChain = PayloadChain.encode([.nonce(Nonce([7, 7, 7, 7, 7, 7]))])
        var r2 = FragmentReassembler()
        #expect(r2.add(messageID: 3, fragment: f(2, 2), plaintext: Array(nonceChain[5...])) == .incomplete)
        #expect(r2.add(messageID: 3, fragment: f(1, 2), plaintext: Array(nonceChain[..<5])) == .complete([.nonce(Nonce([7, 7, 7, 7, 7, 7]))]))
    }
}
