import IKECrypto
import IKEWire

/// Why a protected message could not be built or opened. Peer-caused failures map to counted
/// drops (RFC 7296 §2.21.2: a message that fails integrity is discarded silently).
public enum ProtectionError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformed(WireError)
    case crypto(CryptoError)
    case notEncrypted
    case fragment(String)

    public var description: String {
        switch self {
        case .malformed(let e): "malformed: \(e)"
        case .crypto(let e): "crypto: \(e)"
        case .notEncrypted: "message has no SK payload"
        case .fragment(let d): "fragment: \(d)"
        }
    }
}

/// Seals and opens the encrypted messages of one IKE SA (RFC 7296 §3.14, RFC 7383 §2.5).
/// `outbound` uses SK_ei/SK_ai when we are the original initiator, SK_er/SK_ar otherwise;
/// `inbound` the other pair. Pure: randomness (for IVs) is an argument.
public struct IKEMessageProtection {
    public let outbound: SKCipher
    public let inbound: SKCipher

    public init(outbound: SKCipher, inbound: SKCipher) {
        self.outbound = outbound
        self.inbound = inbound
    }

    /// A datagram carrying `payloads` inside one SK payload.
    public func seal(header: IKEHeader, payloads: [Payload], random: some RandomSource) throws(ProtectionError) -> [UInt8] {
        let first = payloads.first?.type ?? .none
        return try seal(header: header, plaintext: PayloadChain.encode(payloads), random: random) { body in
            .encrypted(EncryptedPayload(innerFirst: first, body: body))
        }
    }

    /// Opens a datagram whose last payload is SK: the outer message and the inner payloads.
    public func open(_ datagram: [UInt8]) throws(ProtectionError) -> (message: IKEMessage, payloads: [Payload]) {
        let message: IKEMessage
        do { message = try IKEMessage.decode(datagram) } catch { throw .malformed(error) }
        guard let sk = message.encrypted else { throw .notEncrypted }
        let plaintext = try unprotect(datagram, body: sk.body)
        do {
            return (message, try PayloadChain.decode(first: sk.innerFirst, plaintext))
        } catch {
            throw .malformed(error)
        }
    }

    /// The message split into SKF datagrams of at most `maxSize` bytes each (RFC 7383 §2.5);
    /// one datagram when it fits. `maxSize` counts the IKE message only (no IP/UDP headers).
    public func sealFragments(header: IKEHeader, payloads: [Payload], maxSize: Int,
                              random: some RandomSource) throws(ProtectionError) -> [[UInt8]] {
        let plaintext = PayloadChain.encode(payloads)
        let first = payloads.first?.type ?? .none
        let fixed = IKEHeader.size + 4 + EncryptedFragment.fieldsSize
        var chunk = maxSize - fixed - outbound.bodyLength(plaintextLength: 0)
        while chunk > 0, fixed + outbound.bodyLength(plaintextLength: chunk) > maxSize { chunk -= 1 }
        guard chunk > 0 else { throw .fragment("fragment size \(maxSize) leaves no room for data") }
        let count = max(1, (plaintext.count + chunk - 1) / chunk)
        guard count <= FragmentReassembler.Limits.protocolMaximum else {
            throw .fragment("\(count) fragments exceed the maximum")
        }
        var out: [[UInt8]] = []
        for i in 0..<count {
            let part = Array(plaintext[(i * chunk)..<min(plaintext.count, (i + 1) * chunk)])
            let number = UInt16(i + 1), total = UInt16(count)
            // RFC 7383 §2.5: only the first fragment names the first inner payload.
            let inner: PayloadType = i == 0 ? first : .none
            out.append(try seal(header: header, plaintext: part, random: random) { body in
                .encryptedFragment(EncryptedFragment(innerFirst: inner, number: number, total: total, body: body))
            })
        }
        return out
    }

    /// Opens one SKF datagram (integrity checked per fragment, RFC 7383 §2.6).
    public func openFragment(_ datagram: [UInt8]) throws(ProtectionError) -> (message: IKEMessage, fragment: EncryptedFragment, plaintext: [UInt8]) {
        let message: IKEMessage
        do { message = try IKEMessage.decode(datagram) } catch { throw .malformed(error) }
        guard let f = message.encryptedFragment else { throw .notEncrypted }
        return (message, f, try unprotect(datagram, body: f.body))
    }

    private func unprotect(_ datagram: [UInt8], body: [UInt8]) throws(ProtectionError) -> [UInt8] {
        let aad = Array(IKEMessage.associatedData(of: datagram, bodyLength: body.count))
        do { return try inbound.unprotect(associatedData: aad, body: body) } catch { throw .crypto(error) }
    }

    /// Encodes the message with a zero body of the final length, so the headers (lengths
    /// included) are final, then protects with everything before the body as associated data.
    private func seal(header: IKEHeader, plaintext: [UInt8], random: some RandomSource,
                      payload: ([UInt8]) -> Payload) throws(ProtectionError) -> [UInt8] {
        let bodyLength = outbound.bodyLength(plaintextLength: plaintext.count)
        var bytes = IKEMessage(header: header, payloads: [payload([UInt8](repeating: 0, count: bodyLength))]).encode()
        let prefix = bytes.count - bodyLength
        let body: [UInt8]
        do {
            body = try outbound.protect(associatedData: Array(bytes[..<prefix]), plaintext: plaintext, random: random)
        } catch {
            throw .crypto(error)
        }
        guard body.count == bodyLength else { throw .crypto(CryptoError(.invalidLength, "body length changed")) }
        bytes.replaceSubrange(prefix..., with: body)
        return bytes
    }
}
