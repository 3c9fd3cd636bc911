// TEMPORARY stand-in until the nat-detect branch lands (same API).
import IKECrypto
import IKEWire
public enum NATDetection {
    public struct Result: Equatable, Sendable { public var localBehindNAT = false; public var remoteBehindNAT = false; public var supported = false }
    public static func notifies(provider: some CryptoProvider, spiI: UInt64, spiR: UInt64, source: Endpoint, destination: Endpoint, fakeSource: Bool = false) -> [Notify] { [] }
    public static func evaluate(provider: some CryptoProvider, spiI: UInt64, spiR: UInt64, notifies: [Notify], receivedFrom: Endpoint, receivedOn: Endpoint) -> Result { Result() }
}
