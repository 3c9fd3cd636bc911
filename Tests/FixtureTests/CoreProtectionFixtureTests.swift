import CryptoOpenSSL
import IKECore
import IKECrypto
import IKEWire
import Testing

/// IKECore's message protection and RFC 7383 reassembly on real strongSwan traffic: every SK
/// message opens, every SKF series reassembles, and the result is charon's payload list.
struct CoreProtectionFixtureTests {
    let provider = OpenSSLProvider()

    /// The receiving side's protection for messages of this IKE SA sent by `flagInitiator`'s side.
    func receiver(_ sa: IKESAKeyLog, senderIsInitiator: Bool) throws -> IKEMessageProtection {
        let enc = try sa.algorithms.encryption, integ = try sa.algorithms.integrity
        func make(_ e: String, _ a: String?) throws -> SKCipher {
            try SKCipher.make(provider: provider, encryption: enc, encryptionKey: SecretBytes(unhex(e)),
                              integrity: integ, integrityKey: a.map { SecretBytes(unhex($0)) })
        }
        let fromI = try make(sa.skEi, sa.skAi), fromR = try make(sa.skEr, sa.skAr)
        return senderIsInitiator ? IKEMessageProtection(outbound: fromR, inbound: fromI)
                                 : IKEMessageProtection(outbound: fromI, inbound: fromR)
    }

    @Test("open and reassemble charon's messages", arguments: Fixtures.suites)
    func openAndReassemble(_ suiteName: String) throws {
        let suite = try Fixtures.load(suiteName)
        var reassemblers: [String: FragmentReassembler] = [:]
        var whole = 0
        for (msg, bytes) in zip(suite.manifest.messages, suite.datagrams) where msg.encrypted != nil {
            let sa = try #require(suite.keys.ikeSas[msg.ikeSAKey])
            let p = try receiver(sa, senderIsInitiator: msg.flagInitiator)
            guard msg.fragment != nil else {
                let (_, inner) = try p.open(bytes)
                #expect(charonNames(inner) == msg.innerPayloads, "\(msg.file)")
                whole += 1
                continue
            }
            let key = "\(msg.ikeSAKey)/\(msg.flagResponse)"
            let (m, f, plain) = try p.openFragment(bytes)
            switch reassemblers[key, default: FragmentReassembler()].add(messageID: m.header.messageID, fragment: f, plaintext: plain) {
            case .complete(let inner):
                #expect(charonNames(inner) == msg.innerPayloads, "\(msg.file) reassembled")
                whole += 1
            case .incomplete: break
            case .dropped(let why): Issue.record("\(msg.file): \(why)")
            }
        }
        #expect(whole >= 10)
    }
}
