import IKECrypto
import IKEWire
import Testing
@testable import IKECore

/// strongSwan proposal syntax and RFC 7296 §2.7/§3.3.6 proposal selection in both roles.
struct ProposalParserTests {
    @Test func parsesAEADIKEProposal() throws {
        let s = try ProposalParser.parse("aes256gcm16-prfsha256-ecp256", for: .ike)
        #expect(s.ciphers == [.init(.aesGCM16, keyLength: 256)])
        #expect(s.prfs == [.hmacSHA256] && s.integrity.isEmpty && s.dhGroups == [.ecp256])
        #expect(s.isAEAD)
    }

    @Test func derivesPRFFromIntegrityLikeStrongSwan() throws {
        let s = try ProposalParser.parse("aes256-aes128-sha256-sha1-modp2048-ecp384", for: .ike)
        #expect(s.ciphers == [.init(.aesCBC, keyLength: 256), .init(.aesCBC, keyLength: 128)])
        #expect(s.integrity == [.hmacSHA256_128, .hmacSHA1_96])
        #expect(s.prfs == [.hmacSHA256, .hmacSHA1])
        #expect(s.dhGroups == [.modp2048, .ecp384])
    }

    @Test func espWithAndWithoutPFS() throws {
        let pfs = try ProposalParser.parse("aes128-sha1-modp1024", for: .esp)
        #expect(pfs.dhGroups == [.modp1024] && pfs.prfs.isEmpty)
        let noPFS = try ProposalParser.parse("aes256gcm16", for: .esp)
        #expect(noPFS.dhGroups.isEmpty)
        // ESP proposals always carry an ESN transform; NO_ESN unless configured.
        #expect(noPFS.proposal(number: 1, spi: [1, 2, 3, 4]).transforms.last == .esn(.noESN))
        let chacha = try ProposalParser.parse("chacha20poly1305-x25519-esn", for: .esp)
        #expect(chacha.ciphers == [.init(.chacha20Poly1305, keyLength: nil)] && chacha.esn == [.esn])
    }

    /// strongSwan's keywords for the MODP groups added for the AWS endpoint (DH 2, 14–24):
    /// each parses to its IANA transform ID, which IKECrypto implements under the same name.
    @Test("MODP group keywords", arguments: [
        ("modp6144", DHGroupID.modp6144, DHGroup.modp6144, UInt16(17)),
        ("modp8192", .modp8192, .modp8192, 18),
        ("modp1024s160", .modp1024s160, .modp1024s160, 22),
        ("modp2048s224", .modp2048s224, .modp2048s224, 23),
    ])
    func modpGroupKeywords(_ keyword: String, _ id: DHGroupID, _ group: DHGroup, _ number: UInt16) throws {
        let ike = try ProposalParser.parse("aes256-sha256-\(keyword)", for: .ike)
        #expect(ike.dhGroups == [id] && id.rawValue == number)
        #expect(DHGroup(rawValue: id.rawValue) == group && group.name == keyword)
        let esp = try ProposalParser.parse("aes256gcm16-\(keyword.uppercased())", for: .esp)
        #expect(esp.dhGroups == [id])
    }

    @Test func gcmICVSpellings() throws {
        #expect(try ProposalParser.parse("aes128gcm8", for: .esp).ciphers == [.init(.aesGCM8, keyLength: 128)])
        #expect(try ProposalParser.parse("aes192gcm96", for: .esp).ciphers == [.init(.aesGCM12, keyLength: 192)])
        #expect(try ProposalParser.parse("aes256gcm", for: .esp).ciphers == [.init(.aesGCM16, keyLength: 256)])
    }

    @Test("bad proposals name the problem", arguments: [
        ("aes256-ecp256", ProtocolID.ike, "needs an integrity"),
        ("aes256gcm16-sha256-prfsha256-ecp256", .ike, "takes no integrity"),
        ("aes256gcm16-ecp256", .ike, "needs a PRF"),
        ("aes256-sha256", .ike, "needs a DH group"),
        ("3des-sha1-modp1024", .ike, "3des is not supported"),
        ("aes256-sha256-prfsha256", .esp, "take no PRF"),
        ("aes256-sha256-modp2048-esn", .ike, "ESP proposals only"),
        ("aes256gcm16-aes256-sha1", .esp, "cannot share"),
        ("aes256-shaa256-modp2048", .ike, "unknown keyword shaa256"),
        ("aes256--sha1-modp2048", .ike, "empty keyword"),
        ("modp2048", .esp, "no encryption"),
    ])
    func rejects(_ text: String, _ proto: ProtocolID, _ expected: String) {
        #expect {
            try ProposalParser.parse(text, for: proto)
        } throws: { e in
            (e as? ProposalParser.Error)?.message.contains(expected) ?? false
        }
    }
}

struct ProposalSelectionTests {
    func specs(_ texts: [String], _ p: ProtocolID = .ike) throws -> [ProposalSpec] {
        try ProposalParser.parse(texts, for: p)
    }
    func offer(_ texts: [String], _ p: ProtocolID = .ike, spi: [UInt8] = []) throws -> [Proposal] {
        try specs(texts, p).enumerated().map { $1.proposal(number: UInt8($0 + 1), spi: spi) }
    }

    /// Azure's default IKE offer (clouds.md) against a responder configured for it.
    @Test func azureDefaultsMeetAMatchingResponder() throws {
        let azure = try offer(["aes256-sha1-modp1024", "aes256-sha256-modp1024", "aes128-sha1-modp1024", "aes128-sha256-modp1024"])
        let s = try ProposalSelection.select(from: azure, configured: try specs(["aes256gcm16-prfsha256-ecp256", "aes128-sha256-modp1024"]))
        #expect(s.number == 4 && s.cipher == .init(.aesCBC, keyLength: 128) && s.integrity == .hmacSHA256_128)
        #expect(s.prf == .hmacSHA256 && s.dhGroup == .modp1024)
        #expect(s.description == "AES_CBC_128/AUTH_HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_1024")
    }

    @Test func noCommonProposalIsNoProposalChosen() throws {
        let e = try #require(throws: NegotiationError.self) {
            try ProposalSelection.select(from: try offer(["aes128-sha1-modp1024"]), configured: try specs(["aes256gcm16-prfsha256-ecp256"]))
        }
        #expect(e.notify == .noProposalChosen)
        #expect(e.detail.contains("AES_CBC_128"))
    }

    @Test func configuredOrderWins() throws {
        let peer = try offer(["aes128-sha1-modp2048", "aes256gcm16-prfsha256-ecp256"])
        let s = try ProposalSelection.select(from: peer, configured: try specs(["aes256gcm16-prfsha256-ecp256", "aes128-sha1-modp2048"]))
        #expect(s.number == 2 && s.cipher.id == .aesGCM16)
        // Within a proposal, our preferred algorithm of each type is taken.
        let many = try offer(["aes128-aes256-sha1-sha256-modp2048-ecp256"])
        let t = try ProposalSelection.select(from: many, configured: try specs(["aes256-sha256-ecp256-modp2048"]))
        #expect(t.cipher.keyLength == 256 && t.integrity == .hmacSHA256_128 && t.dhGroup == .ecp256)
    }

    @Test func keyLengthMustMatch() throws {
        #expect(throws: NegotiationError.self) {
            try ProposalSelection.select(from: try offer(["aes128gcm16-prfsha256-ecp256"]), configured: try specs(["aes256gcm16-prfsha256-ecp256"]))
        }
    }

    @Test func espPFSMustAgree() throws {
        let spi: [UInt8] = [0xc0, 0, 0, 1]
        let withPFS = try offer(["aes256-sha256-modp2048"], .esp, spi: spi)
        #expect(throws: NegotiationError.self) {
            try ProposalSelection.select(from: withPFS, configured: try specs(["aes256-sha256"], .esp))
        }
        let s = try ProposalSelection.select(from: withPFS, configured: try specs(["aes256-sha256-modp2048"], .esp))
        #expect(s.dhGroup == .modp2048 && s.esn == .noESN && s.spi == spi)
        let none = try ProposalSelection.select(from: try offer(["aes256gcm16"], .esp, spi: spi), configured: try specs(["aes256gcm16"], .esp))
        #expect(none.dhGroup == nil)
    }

    @Test func proposalWithUnknownTransformTypeIsSkipped() throws {
        var p = try offer(["aes256gcm16-prfsha256-ecp256"])
        p[0].transforms.append(Transform(type: TransformType(rawValue: 77), id: 1))
        #expect(throws: NegotiationError.self) {
            try ProposalSelection.select(from: p, configured: try specs(["aes256gcm16-prfsha256-ecp256"]))
        }
    }

    /// Both roles end with the same algorithms: initiator offers, responder selects and answers,
    /// initiator accepts the answer.
    @Test("both roles agree", arguments: [
        (["aes256gcm16-prfsha256-ecp256", "aes256-sha256-modp2048"], ["aes256-sha256-modp2048"], ProtocolID.ike),
        (["aes128-sha1-modp1024"], ["aes256-sha1-modp1024", "aes128-sha1-modp1024"], .ike),
        (["chacha20poly1305-prfsha256-x25519"], ["chacha20poly1305-prfsha256-curve25519"], .ike),
        (["aes256gcm16-modp2048", "aes256-sha1"], ["aes256-sha1"], .esp),
    ])
    func initiatorAcceptsResponderChoice(_ ours: [String], _ theirs: [String], _ proto: ProtocolID) throws {
        let spiI: [UInt8] = proto == .esp ? [1, 2, 3, 4] : []
        let offered = try offer(ours, proto, spi: spiI)
        let chosen = try ProposalSelection.select(from: offered, configured: try specs(theirs, proto))
        let spiR: [UInt8] = proto == .esp ? [9, 8, 7, 6] : []
        let answer = SecurityAssociation(proposals: [chosen.proposal(spi: spiR)])
        let accepted = try ProposalSelection.accept(response: answer, offered: offered)
        #expect(accepted.cipher == chosen.cipher && accepted.integrity == chosen.integrity)
        #expect(accepted.prf == chosen.prf && accepted.dhGroup == chosen.dhGroup && accepted.esn == chosen.esn)
        #expect(accepted.spi == spiR)
        _ = try accepted.cryptoSuite
    }

    @Test func initiatorRejectsBadAnswers() throws {
        let offered = try offer(["aes256gcm16-prfsha256-ecp256"])
        let good = try ProposalSelection.select(from: offered, configured: try specs(["aes256gcm16-prfsha256-ecp256"])).proposal(spi: [])
        var notOffered = good
        notOffered.transforms[0] = .encryption(.aesGCM16, keyLength: 128)
        var twoDH = good
        twoDH.transforms.append(.dhGroup(.modp2048))
        var noDH = good
        noDH.transforms.removeAll { $0.type == .keyExchange }
        var wrongNumber = good
        wrongNumber.number = 7
        for bad in [SecurityAssociation(proposals: [good, good]), SecurityAssociation(proposals: [notOffered]),
                    SecurityAssociation(proposals: [twoDH]), SecurityAssociation(proposals: [noDH]),
                    SecurityAssociation(proposals: [wrongNumber]), SecurityAssociation(proposals: [])] {
            #expect(throws: NegotiationError.self) { try ProposalSelection.accept(response: bad, offered: offered) }
        }
    }

    @Test func cryptoSuiteMapsToImplementations() throws {
        let s = try ProposalSelection.select(from: try offer(["aes256-sha384-ecp384"]), configured: try specs(["aes256-sha384-ecp384"]))
        let suite = try s.cryptoSuite
        #expect(suite.encryption == .aesCBC && suite.keyLengthBits == 256 && suite.integrity == .hmacSHA384_192)
        #expect(suite.prf == .hmacSHA384 && suite.dhGroup == .ecp384)
    }
}
