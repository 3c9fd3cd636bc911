import IKECore

/// The BIRD 2 configuration fragment for one tunnel with `[tunnel.NAME.bgp]`: a pure function of
/// the tunnel's name and settings, written by `BirdControl` into `bird_config_dir` while the
/// tunnel is up (docs/routing.md explains every line). Two protocols per tunnel:
///
/// - `protocol static iked_NAME_announce`: the `announce` prefixes as blackhole routes, so BIRD
///   has a route to export however the operator's own BIRD is set up (the usual way to originate
///   an aggregate: packets for an unused part of it are dropped, not sent back out). The
///   operator's kernel protocol keeps them out of the kernel with
///   `export where proto !~ "iked_*_announce";`.
/// - `protocol bgp iked_NAME`: eBGP from our inside address to the neighbor's, with the import
///   filter limited to `accept` (never a route that covers the peer's outside address: IKE and
///   ESP would be routed into their own tunnel) and the export filter to `announce`.
///
/// Invariant: the text parses with `bird -p` (Tests/IKEDaemonTests/BirdConfigTests.swift checks
/// exact text; scripts/interop/bgp.sh feeds it to the real BIRD).
public enum BirdConfig {
    /// BIRD's symbol for the tunnel's BGP protocol: `iked_` and the name with `-` as `_`
    /// (BIRD symbols are letters, digits and `_`).
    public static func protocolName(_ tunnel: String) -> String {
        "iked_" + String(tunnel.map { $0 == "-" ? "_" : $0 })
    }

    /// The static protocol holding the announced prefixes.
    public static func announceName(_ tunnel: String) -> String { protocolName(tunnel) + "_announce" }

    /// The fragment's file name in `bird_config_dir` (`iked_vpn_1.conf`); every file iked
    /// writes there matches `iked_*.conf`.
    public static func fileName(_ tunnel: String) -> String { protocolName(tunnel) + ".conf" }

    /// BIRD's longest symbol (SYM_MAX_LEN) is 64 characters: a tunnel name may have 50.
    public static let maxTunnelName = 64 - "iked__announce".count

    public static func fragment(tunnel: String, _ b: BGPSettings) -> String {
        let name = protocolName(tunnel)
        var lines = [
            "# iked: BGP over the inside addresses of tunnel \(tunnel). Written by iked when the tunnel",
            "# comes up and removed when it goes down: do not edit (docs/routing.md).",
            "",
        ]
        if !b.announce.isEmpty {
            lines += ["protocol static \(announceName(tunnel)) {", "  ipv4;"]
            lines += b.announce.map { "  route \($0.notation) blackhole;" }
            lines += ["}", ""]
        }
        // A failed session is retried after a keepalive interval, not BIRD's 120 s and 60 s:
        // the tunnel is up, so the peer is expected any moment.
        let retry = b.keepalive
        lines += [
            "protocol bgp \(name) {",
            "  description \"iked tunnel \(tunnel)\";",
            "  local \(Endpoint.text(b.localAddress)) as \(b.localASN);",
            "  neighbor \(Endpoint.text(b.neighbor)) as \(b.peerASN);",
            "  hold time \(b.holdTime);",
            "  keepalive time \(b.keepalive);",
            "  connect retry time \(retry);",
            "  error wait time \(retry), \(max(retry, 300));",
            // Stale routes kept after a lost session would hold traffic on a dead tunnel.
            "  graceful restart off;",
            "  passive \(b.passive ? "on" : "off");",
            "  ipv4 {",
        ]
        lines += importFilter(b).map { "    " + $0 }
        lines += exportFilter(b).map { "    " + $0 }
        lines += ["  };", "}", ""]
        return lines.joined(separator: "\n")
    }

    static func importFilter(_ b: BGPSettings) -> [String] {
        guard !b.accept.isEmpty else { return ["import none;"] }
        var out = ["import filter {"]
        if let outside = b.peerOutsideAddress, outside.count == 4 {
            out.append("  if \(Endpoint.text(outside)) ~ net then reject;")
        }
        out += ["  if net ~ [ \(b.accept.map(\.bird).joined(separator: ", ")) ] then accept;", "  reject;", "};"]
        return out
    }

    static func exportFilter(_ b: BGPSettings) -> [String] {
        guard !b.announce.isEmpty else { return ["export none;"] }
        return ["export filter {",
                "  if net ~ [ \(b.announce.map(\.notation).joined(separator: ", ")) ] then accept;",
                "  reject;",
                "};"]
    }
}
