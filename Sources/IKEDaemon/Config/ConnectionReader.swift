/// Reads one `[connection.NAME]` table: a VPN connection of several tunnels, as AWS makes one
/// (two tunnels, two outside addresses, two inside /30s, two PSKs) and as an Azure
/// active-active gateway does (two instances). Each `[[connection.NAME.tunnel]]` table holds
/// what differs per tunnel; every other key of the connection applies to all of them unless a
/// tunnel sets it too. The tunnels are named NAME-1, NAME-2, … in file order.
struct ConnectionReader {
    let s: Section
    let name: String
    let folder: String

    static let ownKeys = ["tunnel", "failover"]

    func read() -> [TunnelSettings] {
        s.rejectUnknownKeys(ConfigLoader.tunnelKeys + Self.ownKeys)
        let failover = s.choice("failover", Failover.self) ?? .activeStandby
        guard let list = s.table["tunnel"]?.array, !list.isEmpty else {
            s.fail("tunnel", "a connection needs its tunnels as [[\(s.path).tunnel]] tables (local_address, remote_address, psk … per tunnel)")
            return []
        }
        // AWS's count holds whether the connection or its tunnels name the profile.
        let profiles = [s.table] + list.compactMap(\.table)
        let aws = profiles.contains { $0["profile"]?.string == CloudProfile.aws.rawValue }
        let allowed = aws ? 2...2 : 1...8
        if !allowed.contains(list.count) {
            let why = aws ? "an AWS VPN connection has exactly two tunnels" : "a connection has 1 to 8 tunnels"
            s.fail("tunnel", "\(why), not \(list.count)")
        }
        let names = (1...list.count).map { "\(name)-\($0)" }
        let sharedBGP = s.table["bgp"]?.table.map { knownBGPKeys($0, path: s.key("bgp")) }
        var out: [TunnelSettings] = []
        for (i, item) in list.enumerated() {
            let path = "\(s.path).tunnel[\(i)]"
            guard let own = item.table else { s.reader.fail(path, "must be a table ([[\(s.path).tunnel]])"); continue }
            Section(reader: s.reader, table: own, path: path).rejectUnknownKeys(ConfigLoader.tunnelKeys)
            // Unknown keys were reported above, once, where they are written; only known ones
            // reach the tunnel, so they are not reported again for each tunnel.
            var merged = TOMLTable()
            for k in s.table.keys where ConfigLoader.tunnelKeys.contains(k) { merged[k] = s.table[k] }
            for k in own.keys where ConfigLoader.tunnelKeys.contains(k) { merged[k] = own[k] }
            // A `bgp` table on both merges key by key: the connection's ASNs and prefixes, a
            // tunnel's own neighbor or timers.
            if let sharedBGP {
                if let mine = own["bgp"]?.table {
                    var both = sharedBGP
                    let known = knownBGPKeys(mine, path: "\(path).bgp")
                    for k in known.keys { both[k] = known[k] }
                    merged["bgp"] = .table(both)
                } else if own["bgp"] == nil {
                    merged["bgp"] = .table(sharedBGP)
                }
            }
            let section = Section(reader: s.reader, table: merged, path: path)
            guard var t = TunnelReader(section, name: names[i], folder: folder).read() else { continue }
            t.connection = ConnectionMembership(name: name, index: i, members: names, failover: failover)
            out.append(t)
        }
        return out
    }

    /// A `bgp` table's known keys; the others are reported once, where they are written.
    func knownBGPKeys(_ t: TOMLTable, path: String) -> TOMLTable {
        Section(reader: s.reader, table: t, path: path).rejectUnknownKeys(BGPReader.keys)
        var out = TOMLTable()
        for k in t.keys where BGPReader.keys.contains(k) { out[k] = t[k] }
        return out
    }
}
