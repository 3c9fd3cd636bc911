import Testing
@testable import IKEWire

/// Every payload type survives encode → decode → encode unchanged (RFC 7296 §3 layouts).
struct RoundTripTests {
    @Test("each payload type round-trips alone", arguments: Samples.all.indices)
    func payloadRoundTrip(_ i: Int) throws {
        let p = Samples.all[i]
        let bytes = PayloadChain.encode([p])
        let back = try PayloadChain.decode(first: p.type, bytes)
        #expect(back == [p], "payload \(p.type)")
        #expect(PayloadChain.encode(back) == bytes)
    }

    @Test func hexIsLowercaseTwoDigitsPerByte() {
        #expect(hex([0x00, 0x09, 0x0A, 0xAB, 0x7F, 0xFF]) == "00090aab7fff")
        #expect(hex([UInt8]()) == "")
        #expect(hex((0...255).map(UInt8.init)).count == 512)
        #expect(hex(UInt32(0x00AB_CDEF)) == hex(bigEndianBytes(UInt32(0x00AB_CDEF))))
        #expect(hex(UInt32(0x00AB_CDEF)) == "00abcdef")
        #expect(hex(UInt64(0x0123_4567_89AB_CDEF)) == "0123456789abcdef")
        #expect(hex(UInt64.max) == "ffffffffffffffff" && hex(UInt32(0)) == "00000000")
    }

    @Test func wholeChainRoundTrips() throws {
        let msg = IKEMessage(header: Samples.header(), payloads: Samples.all)
        let bytes = msg.encode()
        #expect(bytes.count == Int(try IKEHeader.decode(bytes).length))
        let back = try IKEMessage.decode(bytes)
        #expect(back.payloads == msg.payloads)
        #expect(back.encode() == bytes)
    }

    @Test func encryptedPayloadEndsChainAndNamesInnerFirst() throws {
        let sk = EncryptedPayload(innerFirst: .idInitiator, body: Array(repeating: 0xee, count: 48))
        let msg = IKEMessage(header: Samples.header(), payloads: [.encrypted(sk)])
        let bytes = msg.encode()
        #expect(bytes[16] == PayloadType.encrypted.rawValue)   // header next payload
        #expect(bytes[28] == PayloadType.idInitiator.rawValue) // SK header next payload = inner
        let back = try IKEMessage.decode(bytes)
        #expect(back.encrypted == sk)
        #expect(Array(IKEMessage.associatedData(of: bytes, bodyLength: sk.body.count)) == Array(bytes[0..<32]))
    }

    @Test func fragmentRoundTrips() throws {
        let f = EncryptedFragment(innerFirst: .idInitiator, number: 1, total: 3, body: [1, 2, 3, 4, 5])
        let msg = IKEMessage(header: Samples.header(), payloads: [.encryptedFragment(f)])
        let back = try IKEMessage.decode(msg.encode())
        #expect(back.encryptedFragment == f)
        let later = EncryptedFragment(innerFirst: .none, number: 3, total: 3, body: [9])
        #expect(try IKEMessage.decode(IKEMessage(header: Samples.header(), payloads: [.encryptedFragment(later)]).encode()).encryptedFragment == later)
    }

    @Test func headerFlagsAndFields() throws {
        var h = Samples.header(.createChildSA, response: true)
        h.messageID = 0xfffffffe
        let bytes = IKEMessage(header: h, payloads: []).encode()
        #expect(bytes.count == 28)
        #expect(bytes[17] == 0x20)            // version 2.0
        #expect(bytes[18] == 36)              // CREATE_CHILD_SA
        #expect(bytes[19] == 0x28)            // I | R
        let back = try IKEHeader.decode(bytes)
        #expect(back.isInitiator && back.isResponse && !back.higherVersion)
        #expect(back.messageID == 0xfffffffe && back.initiatorSPI == h.initiatorSPI)
    }

    @Test func openEnumsKeepUnknownValuesAndNameKnownOnes() {
        #expect(NotifyType(rawValue: 40999).description == "NotifyType(40999)")
        #expect(NotifyType.noProposalChosen.description == "NO_PROPOSAL_CHOSEN")
        #expect(NotifyType.tsUnacceptable.isError && !NotifyType.cookie.isError)
        #expect(DHGroupID.curve25519.description == "CURVE_25519")
        #expect(!EncryptionID(rawValue: 1031).isKnown)
    }

    @Test func typedNotifyAccessors() {
        #expect(Notify.invalidKE(accepted: .ecp384).acceptedGroup == .ecp384)
        #expect(Notify.rekeySA(espSPI: 0xc0ffee01).spi32 == 0xc0ffee01)
        #expect(Notify.signatureHashAlgorithms([2, 4]).hashAlgorithms == [2, 4])
        #expect(Notify(.invalidKEPayload, data: [1]).acceptedGroup == nil)
    }

    @Test func identificationBodyAndDescription() {
        let id = Identification.ipv4([203, 0, 113, 7])
        #expect(id.encodedBody == [1, 0, 0, 0, 203, 0, 113, 7])
        #expect(id.description == "203.0.113.7")
        #expect(Identification.fqdn("vpn.example").description == "vpn.example")
    }

    @Test func keyLengthAttributeIsTV() {
        let t = Transform.encryption(.aesCBC, keyLength: 256)
        var w = ByteWriter()
        t.encode(into: &w)
        #expect(w.bytes == [1, 0, 0, 12, 0x80, 0x0e, 0x01, 0x00])
        #expect(t.keyLength == 256)
    }
}
