import CryptoOpenSSL
import IKECrypto
import IKEWire
import Testing

/// Real strongSwan 5.9 datagrams (Tests/Fixtures/strongswan): every one decodes and re-encodes
/// byte for byte, every SK/SKF payload opens with the keys charon logged and yields the payloads
/// charon logged, and our key derivation reproduces charon's keys (RFC 7296 §2.14, §2.17, §2.18)
/// and its PSK AUTH values (§2.15).
struct StrongSwanFixtureTests {
    let provider = OpenSSLProvider()

    @Test func fixturesArePresent() {
        #expect(Fixtures.suites.count >= 3, "no strongSwan captures under \(Fixtures.root.path)")
    }

    @Test("decode → encode is byte-exact and matches charon's payload list", arguments: Fixtures.suites)
    func byteExactRoundTrip(_ suiteName: String) throws {
        let suite = try Fixtures.load(suiteName)
        var exchanges: Set<Int> = []
        for (msg, bytes) in zip(suite.manifest.messages, suite.datagrams) {
            let decoded = try IKEMessage.decode(bytes)
            #expect(decoded.encode() == bytes, "\(suiteName)/\(msg.file) does not re-encode byte for byte")
            #expect(Int(decoded.header.exchangeType.rawValue) == msg.exchangeType)
            #expect(decoded.header.messageID == msg.messageId)
            #expect(decoded.header.isInitiator == msg.flagInitiator && decoded.header.isResponse == msg.flagResponse)
            if msg.encrypted == nil {
                #expect(charonNames(decoded.payloads) == msg.payloads, "\(msg.file)")
            } else if let f = msg.fragment {
                #expect(decoded.encryptedFragment?.number == UInt16(f.number))
                #expect(decoded.encryptedFragment?.total == UInt16(f.total))
            }
            exchanges.insert(msg.exchangeType)
        }
        // IKE_SA_INIT, IKE_AUTH, CREATE_CHILD_SA, INFORMATIONAL: each at least once.
        #expect(exchanges.isSuperset(of: [34, 35, 36, 37]))
    }

    @Test("SK and SKF payloads decrypt to what charon logged", arguments: Fixtures.suites)
    func decryptsWithLoggedKeys(_ suiteName: String) throws {
        let suite = try Fixtures.load(suiteName)
        var pending: [String: [[UInt8]]] = [:]   // fragments by message, in order
        var opened = 0
        for (msg, bytes) in zip(suite.manifest.messages, suite.datagrams) {
            guard let info = msg.encrypted else { continue }
            let plaintext = try open(bytes, msg: msg, keys: suite.keys)
            #expect(plaintext == unhex(info.plaintext), "\(suiteName)/\(msg.file)")
            opened += 1
            let first = PayloadType(rawValue: UInt8(info.firstInnerPayload))
            guard let f = msg.fragment else {
                let inner = try PayloadChain.decode(first: first, plaintext)
                #expect(charonNames(inner) == msg.innerPayloads, "\(suiteName)/\(msg.file)")
                #expect(PayloadChain.encode(inner) == plaintext)
                continue
            }
            // RFC 7383 §2.6: reassemble in fragment order; the first fragment names the chain.
            let key = "\(msg.ikeSAKey)/\(msg.messageId)/\(msg.flagResponse)"
            pending[key, default: []].append(plaintext)
            if f.number == 1 { pending[key + "/first"] = [[UInt8(info.firstInnerPayload)]] }
            if f.number == f.total, let parts = pending[key], parts.count == f.total,
               let firstType = pending[key + "/first"]?.first?.first {
                let inner = try PayloadChain.decode(first: PayloadType(rawValue: firstType), parts.flatMap { $0 })
                #expect(charonNames(inner) == msg.innerPayloads, "\(suiteName)/\(msg.file) reassembled")
            }
        }
        #expect(opened >= 10)
    }

    /// Opens one SK/SKF message with the sender's keys: SK_ei/SK_ai for messages with the I flag.
    func open(_ bytes: [UInt8], msg: CapturedMessage, keys: KeyLog) throws -> [UInt8] {
        let sa = try #require(keys.ikeSas[msg.ikeSAKey], "no keys for IKE SA \(msg.ikeSAKey)")
        let enc = try sa.algorithms.encryption
        let integ = try sa.algorithms.integrity
        let (ek, ak) = msg.flagInitiator ? (sa.skEi, sa.skAi) : (sa.skEr, sa.skAr)
        let cipher = try SKCipher.make(provider: provider, encryption: enc, encryptionKey: SecretBytes(unhex(ek)),
                                       integrity: integ, integrityKey: ak.map { SecretBytes(unhex($0)) })
        let message = try IKEMessage.decode(bytes)
        let body = try #require(message.encrypted?.body ?? message.encryptedFragment?.body)
        let aad = Array(IKEMessage.associatedData(of: bytes, bodyLength: body.count))
        return try cipher.unprotect(associatedData: aad, body: body)
    }

    @Test("SKEYSEED and SK_* match charon, initial and rekeyed IKE SAs", arguments: Fixtures.suites)
    func ikeKeyDerivation(_ suiteName: String) throws {
        let suite = try Fixtures.load(suiteName)
        #expect(suite.keys.ikeSas.count >= 2)
        for (name, sa) in suite.keys.ikeSas {
            let prf = try sa.algorithms.makePRF(provider)
            let gir = SecretBytes(unhex(sa.gIr))
            let seed: SecretBytes
            if let old = sa.rekeyedFrom {
                // RFC 7296 §2.18: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr)
                let oldSA = try #require(suite.keys.ikeSas[old])
                seed = rekeyedSkeyseed(prf: prf, oldSKd: SecretBytes(unhex(oldSA.skD)), sharedSecret: gir,
                                       nonceI: unhex(sa.ni), nonceR: unhex(sa.nr))
            } else {
                seed = skeyseed(prf: prf, nonceI: unhex(sa.ni), nonceR: unhex(sa.nr), sharedSecret: gir)
            }
            #expect(seed.bytes == unhex(sa.skeyseed), "\(suiteName) \(name) SKEYSEED")
            let (encLen, integLen) = try sa.algorithms.keyLengths
            let k = try ikeSAKeys(prf: prf, skeyseed: seed, nonceI: unhex(sa.ni), nonceR: unhex(sa.nr),
                                  spiI: unhex(sa.spiI), spiR: unhex(sa.spiR), encKeyLength: encLen, integKeyLength: integLen)
            #expect(k.skD.bytes == unhex(sa.skD))
            #expect(k.skEi.bytes == unhex(sa.skEi) && k.skEr.bytes == unhex(sa.skEr))
            #expect(k.skAi.bytes == unhex(sa.skAi ?? "") && k.skAr.bytes == unhex(sa.skAr ?? ""))
            #expect(k.skPi.bytes == unhex(sa.skPi) && k.skPr.bytes == unhex(sa.skPr))
        }
    }

    @Test("Child SA KEYMAT matches charon, with and without PFS", arguments: Fixtures.suites)
    func childKeyDerivation(_ suiteName: String) throws {
        let suite = try Fixtures.load(suiteName)
        #expect(suite.keys.childSas.count >= 3)
        for child in suite.keys.childSas {
            let ike = try #require(suite.keys.ikeSas[child.ikeSa])
            let prf = try ike.algorithms.makePRF(provider)
            let (encLen, integLen) = try child.algorithms.keyLengths
            let gir = child.pfs ? SecretBytes(unhex(child.gIr ?? "")) : nil
            let keymat = try childSAKeyMaterial(prf: prf, skD: SecretBytes(unhex(ike.skD)), sharedSecret: gir,
                                                nonceI: unhex(child.ni), nonceR: unhex(child.nr),
                                                length: 2 * (encLen + integLen))
            let keys = try ChildSAKeys(keyMaterial: keymat, encKeyLength: encLen, integKeyLength: integLen)
            #expect(keys.encryptionInitiatorToResponder.bytes == unhex(child.encrI), "\(suiteName) \(child.name)")
            #expect(keys.encryptionResponderToInitiator.bytes == unhex(child.encrR))
            #expect(keys.integrityInitiatorToResponder.bytes == unhex(child.integI ?? ""))
            #expect(keys.integrityResponderToInitiator.bytes == unhex(child.integR ?? ""))
        }
    }

    /// RFC 7296 §2.15: AUTH = prf(prf(PSK, "Key Pad for IKEv2"), <message> | Nonce | prf(SK_p, IDx'))
    @Test("PSK AUTH of both IKE_AUTH messages recomputes", arguments: Fixtures.suites)
    func pskAuthentication(_ suiteName: String) throws {
        let suite = try Fixtures.load(suiteName)
        let msgs = suite.manifest.messages
        let initRequest = suite.datagrams[try #require(msgs.firstIndex { $0.exchangeType == 34 && !$0.flagResponse })]
        let initResponse = suite.datagrams[try #require(msgs.firstIndex { $0.exchangeType == 34 && $0.flagResponse })]
        let authIndex = try #require(msgs.firstIndex { $0.exchangeType == 35 })
        let sa = try #require(suite.keys.ikeSas[msgs[authIndex].ikeSAKey])
        let prf = try sa.algorithms.makePRF(provider)
        let psk = SecretBytes(Array(suite.keys.psk.utf8))
        for response in [false, true] {
            let parts = zip(msgs, suite.datagrams).filter { $0.0.exchangeType == 35 && $0.0.flagResponse == response }
            let plain = try parts.flatMap { try open($0.1, msg: $0.0, keys: suite.keys) }
            let firstInfo = try #require(parts.first?.0.encrypted)
            let first = PayloadType(rawValue: UInt8(firstInfo.firstInnerPayload))
            let inner = try PayloadChain.decode(first: first, plain)
            let id = try #require(inner.lazy.compactMap { p -> Identification? in
                switch p { case .idInitiator(let i) where !response, .idResponder(let i) where response: i; default: nil }
            }.first)
            let auth = try #require(inner.lazy.compactMap { p -> Authentication? in
                if case .authentication(let a) = p { a } else { nil }
            }.first)
            #expect(auth.method == .sharedKeyMIC)
            let skP = SecretBytes(unhex(response ? sa.skPr : sa.skPi))
            let signed = (response ? initResponse : initRequest) + unhex(response ? sa.ni : sa.nr)
                + macedID(prf: prf, skP: skP, idPayloadBody: id.encodedBody).bytes
            #expect(sharedKeyAuth(prf: prf, sharedKey: psk, signedOctets: signed).bytes == auth.data,
                    "\(suiteName) AUTH of the \(response ? "responder" : "initiator")")
        }
    }
}
