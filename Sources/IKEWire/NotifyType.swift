/// Notify message types (RFC 7296 §3.10.1 and the IANA registry). Values below 16384 are
/// errors; 16384 and above are status notifications. Open: unknown types round-trip.
public struct NotifyType: OpenEnum {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// RFC 7296 §3.10.1: types 0–16383 report errors.
    public var isError: Bool { rawValue < 16384 }

    // Errors
    public static let unsupportedCriticalPayload = Self(rawValue: 1)
    public static let invalidIKESPI = Self(rawValue: 4)
    public static let invalidMajorVersion = Self(rawValue: 5)
    public static let invalidSyntax = Self(rawValue: 7)
    public static let invalidMessageID = Self(rawValue: 9)
    public static let invalidSPI = Self(rawValue: 11)
    public static let noProposalChosen = Self(rawValue: 14)
    public static let invalidKEPayload = Self(rawValue: 17)
    public static let authenticationFailed = Self(rawValue: 24)
    public static let singlePairRequired = Self(rawValue: 34)
    public static let noAdditionalSAs = Self(rawValue: 35)
    public static let internalAddressFailure = Self(rawValue: 36)
    public static let failedCPRequired = Self(rawValue: 37)
    public static let tsUnacceptable = Self(rawValue: 38)
    public static let invalidSelectors = Self(rawValue: 39)
    public static let temporaryFailure = Self(rawValue: 43)
    public static let childSANotFound = Self(rawValue: 44)

    // Status
    public static let initialContact = Self(rawValue: 16384)
    public static let setWindowSize = Self(rawValue: 16385)
    public static let additionalTSPossible = Self(rawValue: 16386)
    public static let ipcompSupported = Self(rawValue: 16387)
    public static let natDetectionSourceIP = Self(rawValue: 16388)
    public static let natDetectionDestinationIP = Self(rawValue: 16389)
    public static let cookie = Self(rawValue: 16390)
    public static let useTransportMode = Self(rawValue: 16391)
    public static let httpCertLookupSupported = Self(rawValue: 16392)
    public static let rekeySA = Self(rawValue: 16393)
    public static let espTFCPaddingNotSupported = Self(rawValue: 16394)
    public static let nonFirstFragmentsAlso = Self(rawValue: 16395)
    public static let mobikeSupported = Self(rawValue: 16396)
    public static let additionalIP4Address = Self(rawValue: 16397)
    public static let additionalIP6Address = Self(rawValue: 16398)
    public static let noAdditionalAddresses = Self(rawValue: 16399)
    public static let updateSAAddresses = Self(rawValue: 16400)
    public static let cookie2 = Self(rawValue: 16401)
    public static let noNATsAllowed = Self(rawValue: 16402)
    public static let multipleAuthSupported = Self(rawValue: 16404)
    public static let anotherAuthFollows = Self(rawValue: 16405)
    public static let redirectSupported = Self(rawValue: 16406)
    public static let eapOnlyAuthentication = Self(rawValue: 16417)
    public static let childlessIKEv2Supported = Self(rawValue: 16418)
    public static let ikev2FragmentationSupported = Self(rawValue: 16430)
    public static let signatureHashAlgorithms = Self(rawValue: 16431)

    public static let knownNames: [UInt16: String] = [
        1: "UNSUPPORTED_CRITICAL_PAYLOAD", 4: "INVALID_IKE_SPI", 5: "INVALID_MAJOR_VERSION",
        7: "INVALID_SYNTAX", 9: "INVALID_MESSAGE_ID", 11: "INVALID_SPI", 14: "NO_PROPOSAL_CHOSEN",
        17: "INVALID_KE_PAYLOAD", 24: "AUTHENTICATION_FAILED", 34: "SINGLE_PAIR_REQUIRED",
        35: "NO_ADDITIONAL_SAS", 36: "INTERNAL_ADDRESS_FAILURE", 37: "FAILED_CP_REQUIRED",
        38: "TS_UNACCEPTABLE", 39: "INVALID_SELECTORS", 43: "TEMPORARY_FAILURE",
        44: "CHILD_SA_NOT_FOUND",
        16384: "INITIAL_CONTACT", 16385: "SET_WINDOW_SIZE", 16386: "ADDITIONAL_TS_POSSIBLE",
        16387: "IPCOMP_SUPPORTED", 16388: "NAT_DETECTION_SOURCE_IP",
        16389: "NAT_DETECTION_DESTINATION_IP", 16390: "COOKIE", 16391: "USE_TRANSPORT_MODE",
        16392: "HTTP_CERT_LOOKUP_SUPPORTED", 16393: "REKEY_SA",
        16394: "ESP_TFC_PADDING_NOT_SUPPORTED", 16395: "NON_FIRST_FRAGMENTS_ALSO",
        16396: "MOBIKE_SUPPORTED", 16397: "ADDITIONAL_IP4_ADDRESS", 16398: "ADDITIONAL_IP6_ADDRESS",
        16399: "NO_ADDITIONAL_ADDRESSES", 16400: "UPDATE_SA_ADDRESSES", 16401: "COOKIE2",
        16402: "NO_NATS_ALLOWED", 16404: "MULTIPLE_AUTH_SUPPORTED", 16405: "ANOTHER_AUTH_FOLLOWS",
        16406: "REDIRECT_SUPPORTED", 16417: "EAP_ONLY_AUTHENTICATION",
        16418: "CHILDLESS_IKEV2_SUPPORTED", 16430: "IKEV2_FRAGMENTATION_SUPPORTED",
        16431: "SIGNATURE_HASH_ALGORITHMS",
    ]
}
