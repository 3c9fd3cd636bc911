import Testing
import IKECrypto
@testable import CryptoOpenSSL

@Suite("IKEv2 key derivation with HMAC")
struct KDFTests {
    /// NIST CAVP SP 800-135 IKEv2 KDF test data, HMAC-SHA1 (as carried in libreswan's
    /// "CAVP: IKEv2 key derivation with HMAC-SHA1" test): SKEYSEED, DKM = prf+(SKEYSEED,
    /// Ni | Nr | SPIi | SPIr) of 132 bytes, and SKEYSEED for a rekey with g^ir (new).
    enum CAVP {
        static let ni = [UInt8](hex: "32b50d5f4a3763f3")
        static let nr = [UInt8](hex: "9206a04b26564cb1")
        static let gir = SecretBytes(hex: "4b2c1f971981a8ad8d0abeafabf38cf75fc8349c148142465ed9c8b516b8be52")
        static let girNew = SecretBytes(hex: "863f3c9d06efd39d2b907b97f8699e5dd5251ef64a2a176f36ee40c87d4f9330")
        static let spiI: UInt64 = 0x34c9_e7c1_8886_8785
        static let spiR: UInt64 = 0x3ff7_7d76_0d2b_2199
        static let skeyseed = "a9a7b222b59f8f48645f28a1db5b5f5d7479cba7"
        static let skeyseedRekey = "63e81194946ebd05df7df5ebf5d8750056bf1f1d"
        static let dkm = "a14293677cc80ff8f9cc0eee30d895da9d8f405666e30ef0dfcb63c634a46002"
            + "a2a63080e514a062768b76606f9fa5e992204fc5a670bde3f10d6b027113936a"
            + "5c55b648a194ae587b0088d52204b702c979fa280870d2ed41efa9c549fd1119"
            + "8af1670b143d384bd275c5f594cf266b05ebadca855e4249520a441a81157435"
            + "a7a56cc4"
    }

    @Test func cavpSKEYSEEDAndDKM() throws {
        let prf = try provider.makePRF(.hmacSHA1)
        let seed = skeyseed(prf: prf, nonceI: CAVP.ni, nonceR: CAVP.nr, sharedSecret: CAVP.gir)
        #expect(seed.bytes.hex == CAVP.skeyseed)
        let spis = [UInt8](hex: "34c9e7c1888687853ff77d760d2b2199")
        let dkm = try prfPlus(prf: prf, key: seed, seed: CAVP.ni + CAVP.nr + spis, length: 132)
        #expect(dkm.bytes.hex == CAVP.dkm)
        // The same stream cut into SK_* (132 = 3×20 + 2×20 + 2×16): SK_d first, SK_pr last.
        let keys = try ikeSAKeys(prf: prf, skeyseed: seed, nonceI: CAVP.ni, nonceR: CAVP.nr,
                                 spiI: CAVP.spiI, spiR: CAVP.spiR, encKeyLength: 16, integKeyLength: 20)
        let all = [keys.skD, keys.skAi, keys.skAr, keys.skEi, keys.skEr, keys.skPi, keys.skPr].flatMap(\.bytes)
        #expect(all.hex == CAVP.dkm)
        #expect([keys.skD, keys.skAi, keys.skEi, keys.skPr].map(\.count) == [20, 20, 16, 20])
        let byBytes = try ikeSAKeys(prf: prf, skeyseed: seed, nonceI: CAVP.ni, nonceR: CAVP.nr,
                                    spiI: Array(spis[..<8]), spiR: Array(spis[8...]), encKeyLength: 16, integKeyLength: 20)
        #expect(byBytes.skPr == keys.skPr)
        // RFC 7296 §2.18: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr).
        let rekeyed = rekeyedSkeyseed(prf: prf, oldSKd: keys.skD, sharedSecret: CAVP.girNew,
                                      nonceI: CAVP.ni, nonceR: CAVP.nr)
        #expect(rekeyed.bytes.hex == CAVP.skeyseedRekey)
    }

    /// RFC 7296 §2.13 structure: T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n),
    /// checked against HMACs chained by hand, for every PRF and lengths around block edges.
    @Test(arguments: PRFAlgorithm.allCases)
    func prfPlusMatchesManualChain(_ algorithm: PRFAlgorithm) throws {
        let prf = try provider.makePRF(algorithm)
        let random = SeededRandom(seed: UInt64(algorithm.rawValue))
        let key = random.secretBytes(algorithm.outputSize), seed = random.bytes(37)
        var stream: [UInt8] = [], previous: [UInt8] = []
        for n in 1...6 {
            previous = prf.compute(key: key, data: previous + seed + [UInt8(n)]).bytes
            stream += previous
        }
        let n = algorithm.outputSize
        for length in [0, 1, n - 1, n, n + 1, 2 * n, 3 * n + 5, 6 * n] {
            #expect(try prfPlus(prf: prf, key: key, seed: seed, length: length).bytes == Array(stream.prefix(length)))
            #expect(try prfPlus(prf: prf, key: key, seed: SecretBytes(seed), length: length).bytes == Array(stream.prefix(length)))
        }
    }

    /// RFC 7296 §2.13: the counter is one octet, so 255 blocks is the most prf+ can give.
    @Test func prfPlusLimit() throws {
        let prf = try provider.makePRF(.hmacSHA256)
        let key = SecretBytes(count: 32)
        #expect(try prfPlus(prf: prf, key: key, seed: [1], length: 255 * 32).count == 255 * 32)
        #expect(throws: CryptoError.self) { try prfPlus(prf: prf, key: key, seed: [1], length: 255 * 32 + 1) }
        #expect(throws: CryptoError.self) { try prfPlus(prf: prf, key: key, seed: [1], length: -1) }
    }

    /// RFC 7296 §2.17: KEYMAT = prf+(SK_d, Ni | Nr), with PFS prf+(SK_d, g^ir (new) | Ni | Nr),
    /// split initiator→responder (encr, integ) then responder→initiator.
    @Test func childKeyMaterial() throws {
        let prf = try provider.makePRF(.hmacSHA256)
        let random = SeededRandom(seed: 17)
        let skD = random.secretBytes(32), ni = random.bytes(32), nr = random.bytes(32)
        let gir = random.secretBytes(256)
        let plain = try childSAKeyMaterial(prf: prf, skD: skD, nonceI: ni, nonceR: nr, length: 2 * (36 + 0))
        #expect(plain == (try prfPlus(prf: prf, key: skD, seed: ni + nr, length: 72)))
        let pfs = try childSAKeyMaterial(prf: prf, skD: skD, sharedSecret: gir, nonceI: ni, nonceR: nr, length: 128)
        #expect(pfs == (try prfPlus(prf: prf, key: skD, seed: gir.bytes + ni + nr, length: 128)))
        let keys = try ChildSAKeys(keyMaterial: pfs, encKeyLength: 32, integKeyLength: 32)
        #expect(keys.encryptionInitiatorToResponder == pfs.slice(0..<32))
        #expect(keys.integrityInitiatorToResponder == pfs.slice(32..<64))
        #expect(keys.encryptionResponderToInitiator == pfs.slice(64..<96))
        #expect(keys.integrityResponderToInitiator == pfs.slice(96..<128))
        #expect(throws: CryptoError.self) { try ChildSAKeys(keyMaterial: pfs, encKeyLength: 32, integKeyLength: 0) }
    }

    /// RFC 7296 §2.15: AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>).
    @Test func sharedKeyAuthMatchesDefinition() throws {
        let prf = try provider.makePRF(.hmacSHA256)
        let psk = SecretBytes(Array("secret".utf8)), octets: [UInt8] = [1, 2, 3]
        let inner = prf.compute(key: psk, data: Array("Key Pad for IKEv2".utf8))
        #expect(sharedKeyAuth(prf: prf, sharedKey: psk, signedOctets: octets) == prf.compute(key: inner, data: octets))
        #expect(inner.count == 32)
    }
}
