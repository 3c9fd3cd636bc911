import Foundation
import IKECore

/// `--format aws-generic`: the layout of the "Generic" configuration AWS offers a customer
/// gateway, one "IPSec Tunnel #N" section per tunnel with the four numbered parts (IKE, IPSec,
/// tunnel interface, static routing or BGP), so people who have read AWS's file know where to look.
/// iked plays AWS's part (the "Virtual Private Gateway"); the reader's device is the "Customer
/// Gateway". Invariant: the key is printed only with secrets; the text is our own wording.
enum AWSGenericExport {
    static let rule = String(repeating: "-", count: 80)

    static func render(_ views: [PeerView], includeSecrets: Bool) -> String {
        var w = Lines()
        w.add("iked peer configuration, in the layout of AWS's \"Generic\" download")
        w.add("")
        w.add("iked stands in for the AWS VPN endpoint (below: the Virtual Private Gateway). These")
        w.add("are the settings your device (below: the Customer Gateway) needs for each tunnel.")
        w.add("")
        w.add("Tunnels                     : \(views.map(\.name).joined(separator: ", "))")
        w.add("Made by                     : ikectl export --format aws-generic")
        w.add("")
        w.add(views.count == 1 ? "This configuration has one tunnel. Configure it on your Customer Gateway."
                               : "This configuration has \(views.count) tunnels. Configure every one of them on your Customer Gateway.")
        for (i, v) in views.enumerated() {
            w.add("")
            w.add(rule)
            w.add("IPSec Tunnel #\(i + 1)   (iked tunnel \"\(v.name)\")")
            w.add(rule)
            ikePart(v, includeSecrets: includeSecrets, &w)
            ipsecPart(v, &w)
            interfacePart(v, &w)
            if let b = v.bgp { bgpPart(v, b, &w) } else { routingPart(v, &w) }
        }
        return w.text
    }

    static func field(_ name: String, _ value: String) -> String {
        "  - " + name.padding(toLength: 25, withPad: " ", startingAt: 0) + ": " + value
    }

    static func ikePart(_ v: PeerView, includeSecrets: Bool, _ w: inout Lines) {
        let ike = v.ike
        w.add("#1: Internet Key Exchange Configuration")
        w.add("")
        w.add("Configure the IKE SA as follows:")
        w.add(field("IKE version", "IKEv2"))
        w.add(field("Authentication Method", "Pre-Shared Key"))
        let key = includeSecrets ? (ExportSecret.printable(ike.psk) ?? "0x" + ExportSecret.hexDigits(ike.psk)) : ExportSecret.placeholder
        w.add(field("Pre-Shared Key", key))
        w.add(field("Your identity", v.peerID.map(StrongSwanNames.identity) ?? "any (iked accepts any identity)"))
        w.add(field("iked's identity", StrongSwanNames.identity(v.ikedID)))
        w.add(field("Lifetime", "\(wholeSeconds(ike.ikeLifetime.time)) seconds"))
        w.add(field("Phase 1 Negotiation Mode", "main (IKEv1's term; IKEv2 has no modes)"))
        w.add("")
        w.add("iked accepts any one of these, most preferred first:")
        for (n, p) in ike.ikeProposals.enumerated() {
            w.add("  Proposal \(n + 1) (\(StrongSwanNames.proposal(p))):")
            w.add(field("Encryption Algorithm", p.ciphers.map(AWSNames.cipher).joined(separator: " or ")))
            let auth = p.isAEAD ? "none (combined mode); PRF " + p.prfs.map(AWSNames.prf).joined(separator: " or ")
                                : p.integrity.map(AWSNames.hash).joined(separator: " or ")
            w.add(field("Authentication Algorithm", auth))
            w.add(field("Diffie-Hellman", p.dhGroups.map(AWSNames.group).joined(separator: " or ")))
        }
        w.add("")
    }

    static func ipsecPart(_ v: PeerView, _ w: inout Lines) {
        let ike = v.ike
        w.add("#2: IPSec Configuration")
        w.add("")
        w.add("Configure the IPSec SA as follows:")
        w.add(field("Protocol", "esp"))
        w.add(field("Lifetime", "\(wholeSeconds(ike.childLifetime.time)) seconds"))
        if let bytes = ike.childLifetime.bytes { w.add(field("Lifetime (volume)", "\(bytes) bytes")) }
        w.add(field("Mode", "tunnel"))
        w.add("")
        w.add("iked accepts any one of these, most preferred first (a Diffie-Hellman group means")
        w.add("Perfect Forward Secrecy on every rekey; IKEv2 makes the first IPSec SA without one):")
        for (n, p) in ike.espProposals.enumerated() {
            w.add("  Proposal \(n + 1) (\(StrongSwanNames.proposal(p))):")
            w.add(field("Encryption Algorithm", p.ciphers.map(AWSNames.cipher).joined(separator: " or ")))
            w.add(field("Authentication Algorithm", p.isAEAD ? "none (combined mode)" : p.integrity.map(AWSNames.hmac).joined(separator: " or ")))
            w.add(field("Perfect Forward Secrecy", p.dhGroups.isEmpty ? "none" : "Diffie-Hellman " + p.dhGroups.map(AWSNames.group).joined(separator: " or ")))
        }
        w.add("")
        if let delay = ike.dpdDelay {
            let d = wholeSeconds(delay)
            let timeout = ike.dpdTimeout.map(wholeSeconds) ?? 165
            w.add("Dead Peer Detection (DPD) is enabled on iked: it checks after \(d) seconds without")
            w.add("traffic and declares your side dead after \(timeout) seconds without an answer. We")
            w.add("recommend configuring DPD on your endpoint as follows:")
            w.add(field("DPD Interval", "\(d)"))
            w.add(field("DPD Retries", "\(max(1, (timeout + d - 1) / max(1, d) - 1))"))
        } else {
            w.add("Dead Peer Detection (DPD) is off on iked (dpd_delay = 0); your side may still use it.")
        }
        w.add("")
        w.add("ESP adds headers to every packet, which leaves less room for data. To keep that")
        w.add("from hurting, we recommend the following on your Customer Gateway:")
        w.add(field("TCP MSS Adjustment", "\(v.mss) bytes"))
        w.add(field("Clear Don't Fragment Bit", "enabled"))
        w.add(field("Fragmentation", "Before encryption"))
        w.add("")
    }

    static func interfacePart(_ v: PeerView, _ w: inout Lines) {
        w.add("#3: Tunnel Interface Configuration")
        w.add("")
        w.add("Your Customer Gateway needs a tunnel interface bound to this IPSec tunnel; what it")
        w.add("sends into that interface is encrypted to iked. Each side has an outside address, which")
        w.add("the encrypted packets travel between, and may have an inside address on its tunnel")
        w.add("interface.")
        w.add("")
        w.add("Outside IP Addresses:")
        w.add(field("Customer Gateway", v.peerAddress ?? "any (iked accepts any address: remote_address = %any)"))
        w.add(field("Virtual Private Gateway", v.ikedAddress + (v.ikedPort == Endpoint.ikePort ? "" : " (UDP port \(v.ikedPort))")))
        w.add("")
        w.add("Inside IP Addresses:")
        if v.insidePairs.isEmpty {
            w.add("  none: iked's tunnel has no inside_address, so none is needed on yours")
        }
        for pair in v.insidePairs {
            w.add(field("Customer Gateway", pair.peer ?? "another address in \(pair.iked)"))
            w.add(field("Virtual Private Gateway", pair.iked))
        }
        w.add("")
        w.add("Configure your tunnel to fragment at the optimal size:")
        w.add(field("Tunnel interface MTU", "\(v.mtu) bytes"))
        w.add("")
    }

    static func routingPart(_ v: PeerView, _ w: inout Lines) {
        w.add("#4: Static Routing Configuration")
        w.add("")
        w.add("To route traffic between your network and the networks behind iked, add a static")
        w.add("route for each prefix below with this next hop:")
        let nextHop = v.insidePairs.first.map { p in String(p.iked.prefix { $0 != "/" }) } ?? "your tunnel interface"
        w.add(field("Next hop", nextHop))
        for p in v.prefixesBehindIked {
            let note = p.hasSuffix("/0") ? " (everything: route only what you need)" : ""
            w.add(field("Prefix", p + note))
        }
        w.add("")
        w.add("The IPSec SA carries these traffic selectors, seen from your side:")
        w.add(field("Local (yours)", v.peerTS.map(\.notation).joined(separator: ", ")))
        w.add(field("Remote (behind iked)", v.ikedTS.map(\.notation).joined(separator: ", ")))
    }
}
