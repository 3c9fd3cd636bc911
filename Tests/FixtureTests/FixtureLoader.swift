import Foundation
import IKECrypto
import IKEWire

/// Reads the strongSwan captures under Tests/Fixtures/strongswan (see its README for how they
/// were made and what every field means).
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/strongswan")

    static var suites: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return names.filter { FileManager.default.fileExists(atPath: root.appendingPathComponent("\($0)/manifest.json").path) }
            .sorted()
    }

    static func load(_ suite: String) throws -> Suite {
        let dir = root.appendingPathComponent(suite)
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let manifest = try decoder.decode(Manifest.self, from: Data(contentsOf: dir.appendingPathComponent("manifest.json")))
        let keys = try decoder.decode(KeyLog.self, from: Data(contentsOf: dir.appendingPathComponent("keys.json")))
        let datagrams = try manifest.messages.map { [UInt8](try Data(contentsOf: dir.appendingPathComponent($0.file))) }
        return Suite(name: suite, manifest: manifest, keys: keys, datagrams: datagrams)
    }
}

struct Suite {
    let name: String
    let manifest: Manifest
    let keys: KeyLog
    /// The IKE message bytes of each manifest entry, in capture order.
    let datagrams: [[UInt8]]
}

struct Manifest: Decodable {
    let suite: String
    let messages: [CapturedMessage]
}

struct CapturedMessage: Decodable {
    let file: String
    /// The UDP datagram's addresses (dotted IPv4) and ports as captured.
    let src: String
    let dst: String
    let srcPort: UInt16
    let dstPort: UInt16
    let exchangeType: Int
    let messageId: UInt32
    let flagInitiator: Bool
    let flagResponse: Bool
    let spiI: String
    let spiR: String
    /// charon's list for this datagram ("SA KE No N(NATD_S_IP) …", or "EF(1/2)").
    let payloads: String
    /// charon's list for the whole (reassembled, decrypted) message.
    let innerPayloads: String?
    let fragment: FragmentInfo?
    let encrypted: EncryptedInfo?

    var ikeSAKey: String { "\(spiI):\(spiR)" }
}

struct FragmentInfo: Decodable { let number: Int; let total: Int }

struct EncryptedInfo: Decodable {
    let firstInnerPayload: Int
    /// The plaintext charon logged (inner payloads, before padding).
    let plaintext: String
}

struct KeyLog: Decodable {
    let psk: String
    let ikeSas: [String: IKESAKeyLog]
    let childSas: [ChildSAKeyLog]
}

struct AlgorithmInfo: Decodable { let name: String; let iana: UInt16; let keyBits: Int? }

struct AlgorithmSet: Decodable {
    let encr: AlgorithmInfo
    let integ: AlgorithmInfo?
    let prf: AlgorithmInfo?
    let dh: AlgorithmInfo?
}

struct IKESAKeyLog: Decodable {
    let spiI: String
    let spiR: String
    let rekeyedFrom: String?
    let algorithms: AlgorithmSet
    let ni: String
    let nr: String
    let gIr: String
    let skeyseed: String
    let skD: String
    let skAi: String?
    let skAr: String?
    let skEi: String
    let skEr: String
    let skPi: String
    let skPr: String
}

struct ChildSAKeyLog: Decodable {
    let name: String
    let ikeSa: String
    let pfs: Bool
    let gIr: String?
    let algorithms: AlgorithmSet
    let ni: String
    let nr: String
    let encrI: String
    let integI: String?
    let encrR: String
    let integR: String?
}

/// Bytes from a hex string as written in the JSON files.
func unhex(_ s: String) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(s.count / 2)
    var it = s.utf8.makeIterator()
    func nibble(_ c: UInt8) -> UInt8 { c <= 57 ? c - 48 : (c | 0x20) - 87 }
    while let a = it.next(), let b = it.next() { out.append(nibble(a) << 4 | nibble(b)) }
    return out
}

/// The payload list as charon prints it, so decoded messages can be compared with its log.
func charonNames(_ payloads: [Payload]) -> String {
    payloads.map { p -> String in
        switch p {
        case .securityAssociation: "SA"
        case .keyExchange: "KE"
        case .nonce: "No"
        case .idInitiator: "IDi"
        case .idResponder: "IDr"
        case .authentication: "AUTH"
        case .tsInitiator: "TSi"
        case .tsResponder: "TSr"
        case .delete: "D"
        case .vendorID: "V"
        case .configuration: "CP"
        case .encrypted: "SK"
        case .encryptedFragment(let f): "EF(\(f.number)/\(f.total))"
        case .notify(let n): "N(\(charonNotifyNames[n.type] ?? String(n.type.rawValue)))"
        default: "\(p.type)"
        }
    }.joined(separator: " ")
}

/// charon's abbreviations (src/libcharon/encoding/payloads/notify_payload.c).
let charonNotifyNames: [NotifyType: String] = [
    .natDetectionSourceIP: "NATD_S_IP", .natDetectionDestinationIP: "NATD_D_IP",
    .ikev2FragmentationSupported: "FRAG_SUP", .signatureHashAlgorithms: "HASH_ALG",
    .redirectSupported: "REDIR_SUP", .initialContact: "INIT_CONTACT",
    .mobikeSupported: "MOBIKE_SUP", .noAdditionalAddresses: "NO_ADD_ADDR",
    .multipleAuthSupported: "MULT_AUTH", .eapOnlyAuthentication: "EAP_ONLY",
    NotifyType(rawValue: 16420): "MSG_ID_SYN_SUP", .childlessIKEv2Supported: "CHDLESS_SUP",
    .rekeySA: "REKEY_SA", .cookie: "COOKIE", .invalidKEPayload: "INVAL_KE",
    .noProposalChosen: "NO_PROP", .authenticationFailed: "AUTH_FAILED",
    .tsUnacceptable: "TS_UNACCEPT", .temporaryFailure: "TEMP_FAILURE",
]

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

extension AlgorithmSet {
    func makePRF(_ provider: some CryptoProvider) throws -> any PRF {
        guard let id = prf?.iana, let alg = PRFAlgorithm(rawValue: id) else { throw FixtureError("PRF \(String(describing: prf))") }
        return try provider.makePRF(alg)
    }
    var encryption: EncryptionAlgorithm {
        get throws {
            guard let e = EncryptionAlgorithm(rawValue: encr.iana) else { throw FixtureError("encryption \(encr.name)") }
            return e
        }
    }
    var integrity: IntegrityAlgorithm? {
        get throws {
            guard let integ else { return nil }
            guard let i = IntegrityAlgorithm(rawValue: integ.iana) else { throw FixtureError("integrity \(integ.name)") }
            return i
        }
    }
    /// Key material lengths to take from prf+ (RFC 7296 §2.14/§2.17): cipher key + salt, integrity key.
    var keyLengths: (enc: Int, integ: Int) {
        get throws {
            guard let enc = try encryption.keyMaterialLength(keyLengthBits: encr.keyBits) else {
                throw FixtureError("key length of \(encr.name)")
            }
            return (enc, try integrity?.keySize ?? 0)
        }
    }
}
