import Testing
import IKEWire
@testable import IKECore

/// Per-packet selector matching for the ESP datapath: direction, ranges, protocols, ports,
/// OPAQUE and families; addresses straight from a packet buffer.
struct PacketCoverageTests {
    let pair: TrafficSelectorPair

    init() throws {
        pair = TrafficSelectorPair(local: [try ts("10.1.0.0/16"), try ts("2001:db8:1::/48")],
                                   remote: [try ts("192.168.0.0/24[tcp/443]"), try ts("192.168.1.0/24")])
    }

    @Test func outboundAndInbound() {
        let ours: [UInt8] = [10, 1, 2, 3], theirs: [UInt8] = [192, 168, 1, 9]
        #expect(pair.coversOutbound(source: ours, destination: theirs, ipProtocol: 17, sourcePort: 1, destinationPort: 2))
        #expect(!pair.coversOutbound(source: theirs, destination: ours, ipProtocol: 17, sourcePort: 1, destinationPort: 2))
        #expect(pair.coversInbound(source: theirs, destination: ours, ipProtocol: 17, sourcePort: 1, destinationPort: 2))
        #expect(!pair.coversInbound(source: ours, destination: theirs, ipProtocol: 17, sourcePort: 1, destinationPort: 2))
    }

    @Test func protocolAndPorts() {
        let ours: [UInt8] = [10, 1, 0, 1], https: [UInt8] = [192, 168, 0, 5]
        #expect(pair.coversOutbound(source: ours, destination: https, ipProtocol: 6, sourcePort: 50000, destinationPort: 443))
        #expect(!pair.coversOutbound(source: ours, destination: https, ipProtocol: 6, sourcePort: 50000, destinationPort: 80))
        #expect(!pair.coversOutbound(source: ours, destination: https, ipProtocol: 17, sourcePort: 50000, destinationPort: 443))
        #expect(!pair.coversOutbound(source: ours, destination: https, ipProtocol: 6, sourcePort: 50000, destinationPort: nil))
        #expect(pair.coversOutbound(source: ours, destination: [192, 168, 1, 5], ipProtocol: 47, sourcePort: nil, destinationPort: nil))
    }

    @Test func rangeEdgesAndFamilies() throws {
        let edge = TrafficSelectorPair(local: [try ts("10.1.0.5-10.1.1.9")], remote: [try ts("0.0.0.0/0")])
        func out(_ a: [UInt8]) -> Bool {
            edge.coversOutbound(source: a, destination: [8, 8, 8, 8], ipProtocol: 1, sourcePort: nil, destinationPort: nil)
        }
        #expect(out([10, 1, 0, 5]) && out([10, 1, 1, 9]) && out([10, 1, 0, 255]) && out([10, 1, 1, 0]))
        #expect(!out([10, 1, 0, 4]) && !out([10, 1, 1, 10]) && !out([10, 1, 2, 0]) && !out([10, 0, 255, 255]))
        #expect(!out([10, 1, 0]))
        let v6src: [UInt8] = [0x20, 0x01, 0x0d, 0xb8, 0, 1] + [UInt8](repeating: 7, count: 10)
        #expect(!edge.coversOutbound(source: v6src, destination: [8, 8, 8, 8], ipProtocol: 1,
                                     sourcePort: nil, destinationPort: nil))
        let v6 = TrafficSelectorPair(local: pair.local, remote: [try ts("::/0")])
        #expect(v6.coversOutbound(source: v6src, destination: [UInt8](repeating: 0xff, count: 16), ipProtocol: 58,
                                  sourcePort: 0x8000, destinationPort: 0x8000))
    }

    @Test func opaquePortsMatchOnlyPortlessPackets() throws {
        let frag = TrafficSelectorPair(local: [try ts("10.0.0.0/8")], remote: [try ts("10.0.0.0/8[tcp/opaque]")])
        let a: [UInt8] = [10, 0, 0, 1], b: [UInt8] = [10, 0, 0, 2]
        #expect(frag.coversOutbound(source: a, destination: b, ipProtocol: 6, sourcePort: nil, destinationPort: nil))
        #expect(!frag.coversOutbound(source: a, destination: b, ipProtocol: 6, sourcePort: 1, destinationPort: 80))
    }

    @Test func addressesFromAPacketBuffer() {
        // An IPv4 header: source at offset 12, destination at 16; no arrays built per call.
        var header = [UInt8](repeating: 0, count: 20)
        header.replaceSubrange(12..<20, with: [10, 1, 9, 9, 192, 168, 1, 1])
        let covered = header.withUnsafeBytes { raw in
            pair.coversOutbound(source: UnsafeRawBufferPointer(rebasing: raw[12..<16]),
                                destination: UnsafeRawBufferPointer(rebasing: raw[16..<20]),
                                ipProtocol: 17, sourcePort: 4500, destinationPort: 4500)
        }
        #expect(covered)
        #expect(pair.coversInbound(source: header[12..<16], destination: header[16..<20], ipProtocol: 17,
                                   sourcePort: 1, destinationPort: 1) == false)
    }

    @Test func roleMapping() throws {
        let tsi = [try ts("10.1.0.0/16")], tsr = [try ts("10.2.0.0/16")]
        let initiator = TrafficSelectorPair(initiator: tsi, responder: tsr, weAreInitiator: true)
        let responder = TrafficSelectorPair(initiator: tsi, responder: tsr, weAreInitiator: false)
        #expect(initiator.local == tsi && initiator.remote == tsr)
        #expect(responder.local == tsr && responder.remote == tsi)
    }
}
