import Testing
@testable import IKEWire

/// Decoding never traps: every truncation, corruption and impossible length of a valid message
/// yields a typed `WireError` (DESIGN.md §2, RFC 7296 §3 length rules).
struct MalformedInputTests {
    let valid = IKEMessage(header: Samples.header(), payloads: Samples.all).encode()

    @Test func everyTruncationFailsWithTypedError() {
        for n in 0..<valid.count {
            #expect(throws: WireError.self) { try IKEMessage.decode(Array(valid[0..<n])) }
        }
    }

    @Test func everyPayloadChainTruncationFails() {
        let chain = PayloadChain.encode(Samples.all)
        for n in 1..<chain.count {
            #expect(throws: WireError.self) { try PayloadChain.decode(first: .securityAssociation, Array(chain[0..<n])) }
        }
    }

    @Test func trailingBytesAreRejected() {
        var bytes = valid + [0]
        #expect(throws: WireError.self) { try IKEMessage.decode(bytes) }
        bytes = Samples.saInit.encode()
        bytes.append(contentsOf: [0, 0, 0, 0])
        bytes[24...27] = [0, 0, 0x01, 0x00]
        #expect(throws: WireError.self) { try IKEMessage.decode(bytes) }
    }

    @Test func majorVersionOtherThanTwoIsRejected() throws {
        var bytes = Samples.saInit.encode()
        bytes[17] = 0x30
        let e = try #require(throws: WireError.self) { try IKEMessage.decode(bytes) }
        #expect(e.kind == .badVersion)
    }

    @Test func unknownCriticalPayloadIsReportedWithItsType() throws {
        var w = ByteWriter()
        Samples.header().encode(into: &w)
        w.append([0, 0x80, 0, 6, 0xaa, 0xbb])
        w.patchU32(at: 24, UInt32(w.count))
        w.bytes[16] = 250
        let e = try #require(throws: WireError.self) { try IKEMessage.decode(w.bytes) }
        #expect(e.kind == .unsupportedCritical)
        #expect(e.payloadType == 250)
        // Without the critical bit the same payload is kept.
        w.bytes[29] = 0
        let m = try IKEMessage.decode(w.bytes)
        #expect(m.payloads == [.unknown(UnknownPayload(type: PayloadType(rawValue: 250), body: [0xaa, 0xbb]))])
    }

    @Test func payloadLengthBelowHeaderIsRejected() {
        var bytes = Samples.saInit.encode()
        bytes[30] = 0; bytes[31] = 3
        #expect(throws: WireError.self) { try IKEMessage.decode(bytes) }
    }

    @Test func inconsistentCountsAreRejected() {
        // Transform count says 2, holds 1.
        let bad: [UInt8] = [0, 0, 0, 16, 1, 1, 0, 2, 0, 0, 0, 8, 1, 0, 0, 20]
        #expect(throws: WireError.self) { try PayloadChain.decode(first: .securityAssociation, [0, 0, 0, 20] + bad) }
        // Delete: 2 SPIs of 4 bytes announced, 4 bytes present.
        #expect(throws: WireError.self) { try PayloadChain.decode(first: .delete, [0, 0, 0, 12, 3, 4, 0, 2, 1, 2, 3, 4]) }
        // TS payload: IPv4 selector with the IPv6 length.
        #expect(throws: WireError.self) {
            try PayloadChain.decode(first: .tsInitiator, [0, 0, 0, 48, 1, 0, 0, 0, 7, 0, 0, 40] + [UInt8](repeating: 0, count: 36))
        }
        // SKF fragment number 0 (RFC 7383 §2.6).
        #expect(throws: WireError.self) { try PayloadChain.decode(first: .encryptedFragment, [35, 0, 0, 9, 0, 0, 0, 1, 7]) }
        // Proposal marker says "more" but it is the last.
        #expect(throws: WireError.self) {
            try PayloadChain.decode(first: .securityAssociation, [0, 0, 0, 12, 2, 0, 0, 8, 1, 1, 0, 0])
        }
    }

    @Test func tooManyPayloadsIsBounded() {
        var w = ByteWriter()
        for _ in 0..<300 { w.append([PayloadType.vendorID.rawValue, 0, 0, 4]) }
        #expect(throws: WireError.self) { try PayloadChain.decode(first: .vendorID, w.bytes) }
    }

    /// Deterministic mutation sweep: flip bytes at every offset with several values; decoding must
    /// return or throw, and whatever decodes must re-encode and decode to the same value.
    @Test func mutationsNeverTrapAndDecodedValuesAreStable() throws {
        let base = Samples.saInit.encode()
        var accepted = 0
        for offset in 0..<base.count {
            for v: UInt8 in [0x00, 0x01, 0x7f, 0x80, 0xff] {
                var m = base
                m[offset] = v
                guard let msg = try? IKEMessage.decode(m) else { continue }
                accepted += 1
                let again = try IKEMessage.decode(msg.encode())
                #expect(again.payloads == msg.payloads)
            }
        }
        #expect(accepted > 0)
    }
}
