import CryptoOpenSSL
import ESPCore

/// The reference each iked measurement is divided by: CryptoOpenSSL's `ReferenceESPCipher`s
/// (raw library calls on the same buffers), with the timed loops attached.
protocol RawESP: ReferenceESPCipher {
    // The timed loops (Bench.swift), requirements so that one dynamic call per loop reaches a
    // copy specialized for the concrete type: no witness-table call per packet in the reference.
    func sealLoop(_ buffer: PacketBuffer, _ packet: UnsafeMutableRawBufferPointer, bodyLength: Int,
                  sequence: inout UInt64, _ count: Int) -> (seconds: Double, allocations: UInt64, failures: Int)
    func openLoop(_ buffer: PacketBuffer, _ sealed: UnsafeMutableRawBufferPointer, _ count: Int)
        -> (seconds: Double, allocations: UInt64, failures: Int)
}

extension RawESP {
    func sealLoop(_ buffer: PacketBuffer, _ packet: UnsafeMutableRawBufferPointer, bodyLength: Int,
                  sequence: inout UInt64, _ count: Int) -> (seconds: Double, allocations: UInt64, failures: Int) {
        rawSeal(self, buffer, packet, bodyLength: bodyLength, sequence: &sequence, count)
    }

    func openLoop(_ buffer: PacketBuffer, _ sealed: UnsafeMutableRawBufferPointer, _ count: Int)
        -> (seconds: Double, allocations: UInt64, failures: Int) {
        rawOpen(self, buffer, sealed, count)
    }
}

extension RawEVPAEAD: RawESP {}
extension RawSodiumChaCha: RawESP {}
extension RawSodiumAES256GCM: RawESP {}
extension RawEVPCBCHMAC: RawESP {}
