/// One of the datapath's batching and offload techniques (`[daemon] offloads`).
public enum DatapathOffload: String, Sendable, CaseIterable {
    /// Many datagrams per system call (recvmmsg, sendmmsg).
    case batching
    /// TUN with IFF_VNET_HDR and TSO: TCP super-packets of up to 64 KiB come from the kernel
    /// and are split once in iked, and checksums the kernel left partial are finished here.
    case tunTSO = "tun-tso"
    /// Sealed packets to one peer leave as one UDP GSO train (UDP_SEGMENT).
    case udpGSO = "udp-gso"
    /// The NAT-T socket takes coalesced trains of ESP datagrams (UDP_GRO).
    case udpGRO = "udp-gro"
    /// Received TCP segments of one flow are merged into a super-packet before the TUN write (needs tun-tso).
    case tunGRO = "tun-gro"
}

/// The techniques the datapath uses; all on unless `[daemon] offloads` says otherwise.
public struct DatapathOffloads: Sendable, Equatable {
    public var enabled: Set<DatapathOffload>

    public init(_ enabled: Set<DatapathOffload> = Set(DatapathOffload.allCases)) { self.enabled = enabled }

    var batching: Bool { enabled.contains(.batching) }
    var tunOffload: Bool { enabled.contains(.tunTSO) }
    var udpGSO: Bool { enabled.contains(.udpGSO) }
    var udpGRO: Bool { enabled.contains(.udpGRO) }
    var tunGRO: Bool { enabled.contains(.tunTSO) && enabled.contains(.tunGRO) }
}

extension ConfigLoader {
    /// `offloads = "all"` (the default), `"none"`, or a list of techniques.
    static func readOffloads(_ s: Section) -> DatapathOffloads? {
        guard let names = s.strings("offloads") else { return nil }
        if names == ["all"] { return DatapathOffloads() }
        if names == ["none"] { return DatapathOffloads([]) }
        var set: Set<DatapathOffload> = []
        let allowed = DatapathOffload.allCases.map(\.rawValue)
        for (i, name) in names.enumerated() {
            guard let o = DatapathOffload(rawValue: name) else {
                let hint = closest(to: name, in: allowed).map { "; did you mean \($0)?" } ?? ""
                s.fail(names.count == 1 ? "offloads" : "offloads[\(i)]",
                       "\"\(name)\" is not one of all, none, \(allowed.joined(separator: ", "))\(hint)")
                return nil
            }
            set.insert(o)
        }
        return DatapathOffloads(set)
    }
}
