import CryptoOpenSSL
import IKECrypto
import Testing
@testable import ESPCore

/// The derived tunnel MTU reproduces every cell of the AWS table in clouds.md, and it is exact:
/// an inner packet of that size seals to at most the outer MTU, one byte more does not.
@Suite struct PathMTUTests {
    struct Row: CustomTestStringConvertible, Sendable {
        var encryption: EncryptionAlgorithm
        var integrity: IntegrityAlgorithm?
        var keyBytes: Int
        var raw: Int
        var natT: Int
        var testDescription: String { "\(encryption)\(integrity.map { "-\($0)" } ?? "") \(raw)/\(natT)" }
    }

    /// clouds.md, "MTU/MSS (IPv4)": MTU columns, NAT-T off / on (the MSS is 40 less).
    static let awsTable: [Row] = [
        Row(encryption: .aesGCM16, keyBytes: 32 + 4, raw: 1446, natT: 1438),
        Row(encryption: .aesGCM16, keyBytes: 16 + 4, raw: 1446, natT: 1438),
        Row(encryption: .aesCBC, integrity: .hmacSHA1_96, keyBytes: 32, raw: 1438, natT: 1422),
        Row(encryption: .aesCBC, integrity: .hmacSHA256_128, keyBytes: 32, raw: 1438, natT: 1422),
        Row(encryption: .aesCBC, integrity: .hmacSHA384_192, keyBytes: 32, raw: 1422, natT: 1422),
        Row(encryption: .aesCBC, integrity: .hmacSHA512_256, keyBytes: 32, raw: 1422, natT: 1406),
    ]

    @Test(arguments: awsTable)
    func reproducesTheAWSTable(_ r: Row) {
        #expect(ESPPathMTU.largestInnerPacket(encryption: r.encryption, integrity: r.integrity, outerIPv6: false, udpEncapsulated: false) == r.raw)
        #expect(ESPPathMTU.largestInnerPacket(encryption: r.encryption, integrity: r.integrity, outerIPv6: false, udpEncapsulated: true) == r.natT)
        // The MSS column of the table is the MTU less 40 (IPv4 and TCP headers).
        #expect(r.raw - 40 == [1406, 1398, 1382][[1446, 1438, 1422].firstIndex(of: r.raw)!])
    }

    @Test func chachaAlignsLikeGCM() {
        #expect(ESPPathMTU.largestInnerPacket(encryption: .chacha20Poly1305, integrity: nil, outerIPv6: false, udpEncapsulated: false) == 1446)
    }

    @Test func ipv6OutsideCostsTwentyBytesMore() {
        // 1500 − 40 − 8 − 8 − 16 = 1428 (a multiple of 4), less 2.
        #expect(ESPPathMTU.largestInnerPacket(encryption: .aesGCM16, integrity: nil, outerIPv6: true, udpEncapsulated: false) == 1426)
        // The smallest value on a 1500-byte path is still above the safe starting MTU.
        let smallest = ESPPathMTU.largestInnerPacket(encryption: .aesCBC, integrity: .hmacSHA512_256, outerIPv6: true, udpEncapsulated: true)
        #expect(smallest == 1390 && smallest > ESPPathMTU.safeStart)
    }

    @Test func tinyOuterMTUGivesZeroNotANegativeSize() {
        #expect(ESPPathMTU.largestInnerPacket(outerMTU: 40, outerIPv6: true, udpEncapsulated: true, ivSize: 16, icvSize: 32, alignment: 16) == 0)
        #expect(ESPPathMTU.largestInnerPacket(outerMTU: 1500, outerIPv6: false, udpEncapsulated: false, ivSize: 8, icvSize: 16, alignment: 0) == 1446)
    }

    /// With real transforms: the derived size seals to ≤ 1500 bytes outside, one more byte to > 1500.
    @Test(arguments: awsTable, [false, true])
    func derivedSizeIsExactForRealSeals(_ r: Row, _ natT: Bool) throws {
        let random = SeededRandom(seed: 7)
        let transform = try ESPTransform.make(provider: OpenSSLProvider(), encryption: r.encryption,
                                              encryptionKey: random.secretBytes(r.keyBytes), integrity: r.integrity,
                                              integrityKey: random.secretBytes(r.integrity?.keySize ?? 0))
        let largest = transform.largestInnerPacket(outerIPv6: false, udpEncapsulated: natT)
        #expect(largest == (natT ? r.natT : r.raw))
        let sa = ESPOutboundSA(spi: 1, transform: transform)
        let outside = 20 + (natT ? 8 : 0)
        for (length, fits) in [(largest, true), (largest + 1, false)] {
            let buffer = PacketBuffer()
            buffer.load(ESPSealOpenTests.ipv4(length: length))
            #expect(sa.seal(buffer, random: random) == nil)
            #expect((outside + buffer.count <= 1500) == fits, "inner \(length) sealed to \(buffer.count)")
        }
    }
}
