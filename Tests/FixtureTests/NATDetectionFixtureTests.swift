import CryptoOpenSSL
import IKECore
import IKECrypto
import IKEWire
import Testing

/// charon's NAT detection notifies in real IKE_SA_INIT messages (RFC 7296 §2.23), recomputed
/// from the header SPIs and the captured addresses and ports (192.0.2.1:500 <-> 192.0.2.2:500,
/// no NAT between them).
///
/// Every NAT_DETECTION_DESTINATION_IP matches SHA-1(SPIi | SPIr | dst IP | dst port), with
/// SPIr = 0 in the request. No NAT_DETECTION_SOURCE_IP matches its source: both charons ran
/// kernel-libipsec, which needs UDP-encapsulated ESP, so each faked its source hash to force
/// encapsulation (the README's "remote host is behind NAT"), as `fakeSource` does for us.
struct NATDetectionFixtureTests {
    let provider = OpenSSLProvider()

    @Test("charon's NAT-D hashes in IKE_SA_INIT", arguments: Fixtures.suites)
    func ikeSAInitHashes(_ suiteName: String) throws {
        let suite = try Fixtures.load(suiteName)
        var checked = 0
        for (msg, bytes) in zip(suite.manifest.messages, suite.datagrams) where msg.exchangeType == 34 {
            let message = try IKEMessage.decode(bytes)
            let h = message.header
            #expect(String(h.initiatorSPI, radix: 16).leftPadded(16) == msg.spiI)
            #expect(String(h.responderSPI, radix: 16).leftPadded(16) == msg.spiR)
            #expect((h.responderSPI == 0) == !msg.flagResponse, "SPIr is zero exactly in the request")
            let source = Endpoint(address: try ipv4(msg.src), port: msg.srcPort)
            let destination = Endpoint(address: try ipv4(msg.dst), port: msg.dstPort)
            #expect(source.port == 500 && destination.port == 500)

            let notifies = message.payloads.compactMap { p -> Notify? in if case .notify(let n) = p { n } else { nil } }
            let sourceHashes = notifies.filter { $0.type == .natDetectionSourceIP }
            let destinationHashes = notifies.filter { $0.type == .natDetectionDestinationIP }
            try #require(sourceHashes.count == 1 && destinationHashes.count == 1, "\(suiteName)/\(msg.file)")

            // Destination: byte for byte what we would send from the same SPIs and addresses.
            let ours = NATDetection.notifies(provider: provider, spiI: h.initiatorSPI, spiR: h.responderSPI,
                                             source: source, destination: destination)
            #expect(destinationHashes[0] == ours[1], "\(suiteName)/\(msg.file): NATD_D_IP")
            // Source: faked by charon, so it matches neither the real source nor other guesses.
            #expect(sourceHashes[0].data.count == 20)
            for guess in [source, source.withPort(4500), destination] {
                #expect(sourceHashes[0].data != NATDetection.hash(provider: provider, spiI: h.initiatorSPI,
                                                                  spiR: h.responderSPI, endpoint: guess))
            }

            // What the receiver concludes, as charon did: the sender looks NATed, we do not.
            let result = NATDetection.evaluate(provider: provider, spiI: h.initiatorSPI, spiR: h.responderSPI,
                                               notifies: notifies, receivedFrom: source, receivedOn: destination)
            #expect(result == NATDetection.Result(localBehindNAT: false, remoteBehindNAT: true, supported: true),
                    "\(suiteName)/\(msg.file)")
            // The SPIs are part of the hash: with another SPIr the destination hash stops matching.
            let otherSPIr: UInt64 = h.responderSPI == 0 ? 1 : 0
            let wrong = NATDetection.evaluate(provider: provider, spiI: h.initiatorSPI, spiR: otherSPIr,
                                              notifies: notifies, receivedFrom: source, receivedOn: destination)
            #expect(wrong.localBehindNAT)
            checked += 1
        }
        #expect(checked >= 2, "\(suiteName): expected an IKE_SA_INIT request and response")
    }

    /// Dotted-quad IPv4 as in manifest.json.
    func ipv4(_ text: String) throws -> [UInt8] {
        let parts = text.split(separator: ".").compactMap { UInt8($0) }
        guard parts.count == 4 else { throw FixtureError("not an IPv4 address: \(text)") }
        return parts
    }
}

extension String {
    /// Zero-padded on the left to `width` characters (hex SPIs as written in manifest.json).
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
