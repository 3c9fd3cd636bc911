import CryptoOpenSSL
import IKECrypto
import IKEWire
import Testing
@testable import IKECore

/// RFC 7296 §2.23 NAT detection: the hashes, the notifies each side sends in IKE_SA_INIT, and
/// what the receiver concludes from them with and without address rewriting on the way.
struct NATDetectionTests {
    let provider = OpenSSLProvider()

    // Initiator I and responder R; I may sit behind a NAT whose public side is `natPublic`.
    let initiator = Endpoint(address: [192, 0, 2, 1], port: 500)
    let responder = Endpoint(address: [198, 51, 100, 2], port: 500)
    let natInside = Endpoint(address: [10, 0, 0, 5], port: 500)
    let natPublic = Endpoint(address: [203, 0, 113, 9], port: 41_500)
    let spiI: UInt64 = 0x0123_4567_89ab_cdef
    let spiR: UInt64 = 0xfedc_ba98_7654_3210

    /// Lowercase hex of bytes, for comparing with the independently computed digests below.
    func hex(_ bytes: [UInt8]) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// Known answers computed outside iked (Python hashlib over the packed fields), so a
    /// wrong field order or byte order would show here and not only in a round trip.
    @Test func hashLayout() {
        #expect(hex(NATDetection.hash(provider: provider, spiI: spiI, spiR: spiR, endpoint: initiator))
                == "b43b59394bf8bc930246a8f80b6fddf05c58d9bf")
        // IKE_SA_INIT request: SPIr is zero.
        #expect(hex(NATDetection.hash(provider: provider, spiI: spiI, spiR: 0, endpoint: initiator))
                == "9426429034924268452f8e3ff79fb69e2a8d71eb")
        let v6 = Endpoint(address: [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [1], port: 4500)
        #expect(hex(NATDetection.hash(provider: provider, spiI: spiI, spiR: spiR, endpoint: v6))
                == "9de8bfefaab479f0d5a5609a6de20595c6307502")
        // SHA-1(SPIi | SPIr | IP | port), spelled out.
        let input: [UInt8] = [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
                              0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10,
                              192, 0, 2, 1, 0x01, 0xf4]
        #expect(NATDetection.hash(provider: provider, spiI: spiI, spiR: spiR, endpoint: initiator)
                == provider.digest(.sha1, input))
    }

    @Test func notifiesAreSourceThenDestination() {
        let n = NATDetection.notifies(provider: provider, spiI: spiI, spiR: 0, source: initiator, destination: responder)
        #expect(n.map(\.type) == [.natDetectionSourceIP, .natDetectionDestinationIP])
        #expect(n.allSatisfy { $0.data.count == 20 && $0.spi.isEmpty && $0.protocolID == .none })
        #expect(n[0].data == NATDetection.hash(provider: provider, spiI: spiI, spiR: 0, endpoint: initiator))
        #expect(n[1].data == NATDetection.hash(provider: provider, spiI: spiI, spiR: 0, endpoint: responder))
    }

    @Test func roundTripWithoutNAT() {
        // IKE_SA_INIT { SA, KEi, Ni, N(NATD_S_IP), N(NATD_D_IP) } -->   (SPIr = 0)
        let request = NATDetection.notifies(provider: provider, spiI: spiI, spiR: 0, source: initiator, destination: responder)
        let atResponder = NATDetection.evaluate(provider: provider, spiI: spiI, spiR: 0, notifies: request,
                                                receivedFrom: initiator, receivedOn: responder)
        #expect(atResponder == NATDetection.Result(localBehindNAT: false, remoteBehindNAT: false, supported: true))
        //   <-- { SA, KEr, Nr, N(NATD_S_IP), N(NATD_D_IP) }
        let response = NATDetection.notifies(provider: provider, spiI: spiI, spiR: spiR, source: responder, destination: initiator)
        let atInitiator = NATDetection.evaluate(provider: provider, spiI: spiI, spiR: spiR, notifies: response,
                                                receivedFrom: responder, receivedOn: initiator)
        #expect(atInitiator == NATDetection.Result(localBehindNAT: false, remoteBehindNAT: false, supported: true))
        // The request's hashes are over SPIr = 0: checking them with the responder's new SPIr fails.
        let wrongSPIs = NATDetection.evaluate(provider: provider, spiI: spiI, spiR: spiR, notifies: request,
                                              receivedFrom: initiator, receivedOn: responder)
        #expect(wrongSPIs.localBehindNAT && wrongSPIs.remoteBehindNAT)
    }

    /// I behind a NAT: it sends from 10.0.0.5:500, R sees 203.0.113.9:41500. I finds that it
    /// is behind a NAT (its address was rewritten); R finds that its peer is.
    @Test func localNATRewritesOurAddress() {
        let request = NATDetection.notifies(provider: provider, spiI: spiI, spiR: 0, source: natInside, destination: responder)
        let atResponder = NATDetection.evaluate(provider: provider, spiI: spiI, spiR: 0, notifies: request,
                                                receivedFrom: natPublic, receivedOn: responder)
        #expect(atResponder == NATDetection.Result(localBehindNAT: false, remoteBehindNAT: true, supported: true))
        // R answers to the address it saw; the NAT delivers it to 10.0.0.5:500.
        let response = NATDetection.notifies(provider: provider, spiI: spiI, spiR: spiR, source: responder, destination: natPublic)
        let atInitiator = NATDetection.evaluate(provider: provider, spiI: spiI, spiR: spiR, notifies: response,
                                                receivedFrom: responder, receivedOn: natInside)
        #expect(atInitiator == NATDetection.Result(localBehindNAT: true, remoteBehindNAT: false, supported: true))
    }

    /// R behind a NAT (a port forward on 203.0.113.9:500 to 10.0.0.5:500), seen from I.
    @Test func remoteNAT() {
        let forwarded = Endpoint(address: [203, 0, 113, 9], port: 500)
        // I sends to the forward; R's response says it came from 10.0.0.5:500 (its own view).
        let response = NATDetection.notifies(provider: provider, spiI: spiI, spiR: spiR, source: natInside, destination: initiator)
        let atInitiator = NATDetection.evaluate(provider: provider, spiI: spiI, spiR: spiR, notifies: response,
                                                receivedFrom: forwarded, receivedOn: initiator)
        #expect(atInitiator == NATDetection.Result(localBehindNAT: false, remoteBehindNAT: true, supported: true))
        // Only the port rewritten is a NAT too.
        let portOnly = NATDetection.evaluate(provider: provider, spiI: spiI, spiR: spiR, notifies: response,
                                             receivedFrom: natInside.withPort(1024), receivedOn: initiator)
        #expect(portOnly.remoteBehindNAT && !portOnly.localBehindNAT)
    }

    /// `fakeSource` (strongSwan's encap=yes): the peer believes we are behind a NAT although
    /// nothing was rewritten; our destination hash stays true, so it does not think it is.
    @Test func fakedSourceForcesEncapsulation() {
        let honest = NATDetection.notifies(provider: provider, spiI: spiI, spiR: 0, source: initiator, destination: responder)
        let faked = NATDetection.notifies(provider: provider, spiI: spiI, spiR: 0, source: initiator, destination: responder,
                                          fakeSource: true)
        #expect(faked.map(\.type) == [.natDetectionSourceIP, .natDetectionDestinationIP])
        #expect(faked[0].data.count == 20 && faked[0].data != honest[0].data)
        #expect(faked[1] == honest[1])
        let atResponder = NATDetection.evaluate(provider: provider, spiI: spiI, spiR: 0, notifies: faked,
                                                receivedFrom: initiator, receivedOn: responder)
        #expect(atResponder == NATDetection.Result(localBehindNAT: false, remoteBehindNAT: true, supported: true))
        // Deterministic, and still faked when our own port happens to be the fake one.
        #expect(NATDetection.notifies(provider: provider, spiI: spiI, spiR: 0, source: initiator, destination: responder,
                                      fakeSource: true) == faked)
        let portZero = initiator.withPort(0)
        let fakedZero = NATDetection.notifies(provider: provider, spiI: spiI, spiR: 0, source: portZero, destination: responder,
                                              fakeSource: true)
        #expect(fakedZero[0].data != NATDetection.hash(provider: provider, spiI: spiI, spiR: 0, endpoint: portZero))
    }

    @Test func absentNotifiesMeanNoSupport() {
        let none = NATDetection.evaluate(provider: provider, spiI: spiI, spiR: 0, notifies: [],
                                         receivedFrom: natPublic, receivedOn: responder)
        #expect(none == NATDetection.Result(localBehindNAT: false, remoteBehindNAT: false, supported: false))
        // One of the pair alone is not support either, even when it would show a NAT.
        let both = NATDetection.notifies(provider: provider, spiI: spiI, spiR: 0, source: natInside, destination: responder)
        for single in both {
            let r = NATDetection.evaluate(provider: provider, spiI: spiI, spiR: 0, notifies: [single, Notify(.ikev2FragmentationSupported)],
                                          receivedFrom: natPublic, receivedOn: responder)
            #expect(r == NATDetection.Result())
        }
    }

    /// A multihomed sender may send one SOURCE_IP per address (§2.23): any match is enough.
    @Test func severalSourceHashes() {
        let other = Endpoint(address: [192, 0, 2, 77], port: 500)
        let notifies = [Notify(.natDetectionSourceIP, data: NATDetection.hash(provider: provider, spiI: spiI, spiR: 0, endpoint: other)),
                        Notify(.natDetectionSourceIP, data: NATDetection.hash(provider: provider, spiI: spiI, spiR: 0, endpoint: initiator)),
                        Notify(.natDetectionDestinationIP, data: NATDetection.hash(provider: provider, spiI: spiI, spiR: 0, endpoint: responder))]
        let r = NATDetection.evaluate(provider: provider, spiI: spiI, spiR: 0, notifies: notifies,
                                      receivedFrom: initiator, receivedOn: responder)
        #expect(r == NATDetection.Result(localBehindNAT: false, remoteBehindNAT: false, supported: true))
        let rewritten = NATDetection.evaluate(provider: provider, spiI: spiI, spiR: 0, notifies: notifies,
                                              receivedFrom: natPublic, receivedOn: responder)
        #expect(rewritten.remoteBehindNAT && !rewritten.localBehindNAT)
        // Truncated hashes never match.
        let short = notifies.map { Notify($0.type, data: Array($0.data.prefix(12))) }
        let s = NATDetection.evaluate(provider: provider, spiI: spiI, spiR: 0, notifies: short,
                                      receivedFrom: initiator, receivedOn: responder)
        #expect(s == NATDetection.Result(localBehindNAT: true, remoteBehindNAT: true, supported: true))
    }
}
