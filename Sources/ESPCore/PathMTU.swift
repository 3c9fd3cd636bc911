import IKECrypto

/// How large an inner packet may be so that its ESP packet fits one outer packet (the AWS table
/// in clouds.md: AWS does no PMTUD, so the tunnel MTU must already account for ESP). Pure
/// arithmetic: the encrypted part (payload, padding, Pad Length, Next Header; RFC 4303 §2.4) is
/// what is left of the outer MTU after the outer IP header, the UDP header of NAT-T (RFC 3948),
/// the ESP header (SPI, sequence: 8), the IV and the ICV, rounded down to the cipher's
/// alignment; the largest inner packet is that minus the 2 trailer bytes.
public enum ESPPathMTU {
    /// The outer MTU assumed for the path: Ethernet's, which both clouds' gateways use.
    public static let ethernet = 1500

    /// Where a TUN starts before any Child SA says what fits: below every derived value for a
    /// 1500-byte path (the smallest, IPv6 outside with NAT-T and HMAC-SHA-512, is 1390) and the
    /// IPv6 minimum link MTU (RFC 8200 §5), so no packet sent early can be too large.
    public static let safeStart = 1280

    /// The largest inner packet for the given sizes; 0 when nothing fits.
    public static func largestInnerPacket(outerMTU: Int = ethernet, outerIPv6: Bool, udpEncapsulated: Bool,
                                          ivSize: Int, icvSize: Int, alignment: Int) -> Int {
        let outerHeaders = (outerIPv6 ? 40 : 20) + (udpEncapsulated ? 8 : 0)
        let encrypted = outerMTU - outerHeaders - 8 - ivSize - icvSize
        let align = max(1, alignment)
        return max(0, encrypted / align * align - 2)
    }

    /// The same from the negotiated algorithms: AEADs align to 4 (RFC 4303 §2.4), AES-CBC to its
    /// 16-byte block (RFC 3602 §2.4); the ICV is the AEAD tag or the truncated HMAC.
    public static func largestInnerPacket(encryption: EncryptionAlgorithm, integrity: IntegrityAlgorithm?,
                                          outerMTU: Int = ethernet, outerIPv6: Bool, udpEncapsulated: Bool) -> Int {
        largestInnerPacket(outerMTU: outerMTU, outerIPv6: outerIPv6, udpEncapsulated: udpEncapsulated,
                           ivSize: encryption.ivSize,
                           icvSize: encryption.isAEAD ? encryption.icvSize : (integrity?.icvSize ?? 0),
                           alignment: max(4, encryption.blockSize))
    }
}

extension ESPTransform {
    /// The largest inner packet this transform can carry in one outer packet of `outerMTU` bytes.
    public func largestInnerPacket(outerMTU: Int = ESPPathMTU.ethernet, outerIPv6: Bool, udpEncapsulated: Bool) -> Int {
        ESPPathMTU.largestInnerPacket(outerMTU: outerMTU, outerIPv6: outerIPv6, udpEncapsulated: udpEncapsulated,
                                      ivSize: ivSize, icvSize: icvSize, alignment: alignment)
    }
}
