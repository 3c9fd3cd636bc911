import Foundation
import IKECore
import IKECrypto
import IKEWire

/// Reads and validates `iked.toml` (docs/configuration.md). Every problem is reported with the
/// file, the key and what is allowed; nothing secret is ever part of a message.
public enum ConfigLoader {
    static let topKeys = ["daemon", "tunnel", "connection"]
    static let daemonKeys = ["control_socket", "log_level", "ike_port", "nat_port", "cookie_threshold", "half_open_limit", "half_open_per_peer", "metrics_listen", "offloads", "bird_config_dir", "bird_socket"]
    static let tunnelKeys = [
        "local_address", "remote_address", "local_id", "remote_id", "psk", "psk_file", "local_ts", "remote_ts",
        "ike_proposals", "esp_proposals", "ike_lifetime", "child_lifetime", "child_life_bytes", "rekey_margin",
        "rekey_fuzz", "replay_window", "dpd_delay", "dpd_timeout", "dpd_action", "start_action", "close_action",
        "fragmentation", "encap", "interface", "mtu", "mss_clamp", "inside_address", "routes", "profile",
        "connection_mode", "policy_based_ts", "bgp",
    ]

    /// Loads a file; `psk_file` paths are relative to the file's folder.
    public static func load(path: String) throws(ConfigErrors) -> IkedConfiguration {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigErrors(errors: [ConfigError(file: path, key: "", message: "cannot read the file")])
        }
        let folder = (path as NSString).deletingLastPathComponent
        var config = try parse(text, file: path, folder: folder.isEmpty ? "." : folder)
        let mode = (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int ?? 0
        if let problem = modeProblem(mode: mode, inlinePSKKeys: config.inlinePSKKeys, file: path) {
            guard problem.isError else { config.warnings.append(problem.message); return config }
            throw ConfigErrors(errors: [ConfigError(file: path, key: "", message: problem.message)])
        }
        return config
    }

    /// The file's mode against what it holds: anyone who can write it chooses the peers and the
    /// keys (an error, as sshd's StrictModes); anyone who can read a file with an inline `psk`
    /// has the key (a warning: `psk_file`, mode 600, is the way to keep it).
    static func modeProblem(mode: Int, inlinePSKKeys: [String], file: String) -> (message: String, isError: Bool)? {
        let octal = String(mode & 0o7777, radix: 8)
        if mode & 0o022 != 0 {
            return ("is writable by group or others (mode \(octal)); chmod go-w \(file)", true)
        }
        if mode & 0o044 != 0, let first = inlinePSKKeys.first {
            let more = inlinePSKKeys.count > 1 ? " and \(inlinePSKKeys.count - 1) more" : ""
            return ("\(file): holds a pre-shared key (\(first)\(more)) and is readable by group or others (mode \(octal)); chmod 600 it, or move the key to psk_file", false)
        }
        return nil
    }

    public static func parse(_ text: String, file: String, folder: String = ".") throws(ConfigErrors) -> IkedConfiguration {
        let reader = ConfigReader(file: file)
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch {
            throw ConfigErrors(errors: [ConfigError(file: file, key: "", message: "line \(error.line): \(error.message)")])
        }
        let top = Section(reader: reader, table: root, path: "")
        top.rejectUnknownKeys(topKeys)
        var daemon = DaemonSettings()
        if let v = root["daemon"] {
            if let t = v.table { daemon = readDaemon(Section(reader: reader, table: t, path: "daemon")) } else { reader.fail("daemon", "must be a table ([daemon])") }
        }
        var tunnels: [TunnelSettings] = []
        if let v = root["tunnel"] {
            if let t = v.table {
                for name in t.keys.sorted() {
                    guard let body = t[name]?.table else { reader.fail("tunnel.\(name)", "must be a table ([tunnel.\(name)])"); continue }
                    if let tunnel = TunnelReader(Section(reader: reader, table: body, path: "tunnel.\(name)"), name: name, folder: folder).read() {
                        tunnels.append(tunnel)
                    }
                }
            } else {
                reader.fail("tunnel", "must hold tables ([tunnel.NAME])")
            }
        }
        if let v = root["connection"] {
            if let t = v.table {
                for name in t.keys.sorted() {
                    guard let body = t[name]?.table else { reader.fail("connection.\(name)", "must be a table ([connection.\(name)])"); continue }
                    tunnels += ConnectionReader(s: Section(reader: reader, table: body, path: "connection.\(name)"), name: name, folder: folder).read()
                }
            } else {
                reader.fail("connection", "must hold tables ([connection.NAME])")
            }
        }
        tunnels.sort { $0.name < $1.name }
        if tunnels.isEmpty, reader.errors.isEmpty { reader.warnings.append("\(file): no [tunnel.NAME] or [connection.NAME] tables; iked will idle") }
        crossCheck(tunnels, reader)
        guard reader.errors.isEmpty else { throw ConfigErrors(errors: reader.errors) }
        return IkedConfiguration(daemon: daemon, tunnels: tunnels, warnings: reader.warnings, inlinePSKKeys: reader.inlinePSKKeys)
    }

    static func readDaemon(_ s: Section) -> DaemonSettings {
        s.rejectUnknownKeys(daemonKeys)
        var d = DaemonSettings()
        if let v = s.string("control_socket") {
            if v.hasPrefix("/") { d.controlSocket = v } else { s.fail("control_socket", "must be an absolute path") }
        }
        if let v = s.choice("log_level", LogLevel.self) { d.logLevel = v }
        if let v = s.int("ike_port", 1...65535) { d.ikePort = UInt16(v) }
        if let v = s.int("nat_port", 1...65535) { d.natPort = UInt16(v) }
        if d.ikePort == d.natPort { s.fail("nat_port", "must differ from ike_port (\(d.ikePort))") }
        if let v = s.int("cookie_threshold", 0...1_000_000) { d.cookieThreshold = v }
        if let v = s.int("half_open_limit", 1...1_000_000) { d.halfOpenLimit = v }
        if let v = s.int("half_open_per_peer", 1...1_000_000) { d.halfOpenPerPeer = v }
        if d.halfOpenPerPeer > d.halfOpenLimit {
            s.fail("half_open_per_peer", "\(d.halfOpenPerPeer) exceeds half_open_limit (\(d.halfOpenLimit)); the total bounds every peer")
        }
        if d.cookieThreshold >= d.halfOpenLimit {
            s.reader.warnings.append("\(s.key("cookie_threshold")): \(d.cookieThreshold) is not below half_open_limit (\(d.halfOpenLimit)): cookies are never asked for, and a flood of IKE_SA_INIT from forged addresses fills the limit")
        }
        if let v = readOffloads(s) { d.offloads = v }
        for (k, keyPath) in [("bird_config_dir", \DaemonSettings.birdConfigDir), ("bird_socket", \DaemonSettings.birdSocket)] {
            guard let v = s.string(k) else { continue }
            if v.hasPrefix("/"), !v.contains("\n") { d[keyPath: keyPath] = v } else { s.fail(k, "must be an absolute path") }
        }
        if let v = s.string("metrics_listen") {
            let parts = v.split(separator: ":")
            if parts.count >= 2, let port = Int(parts.last!), (1...65535).contains(port) { d.metricsListen = v } else {
                s.fail("metrics_listen", "\"\(v)\" is not host:port (e.g. \"127.0.0.1:9814\")")
            }
        }
        return d
    }

    /// Checks across tunnels: names, interface names and address pairs must be unique. Each
    /// problem is reported at the table the file has for the tunnel (`connection.vpn.tunnel[1]`
    /// for vpn-2) and names the other one the same way.
    static func crossCheck(_ tunnels: [TunnelSettings], _ reader: ConfigReader) {
        var names: [String: String] = [:]
        var interfaces: [String: String] = [:]
        var pairs: [String: String] = [:]
        var birdNames: [String: String] = [:]
        for t in tunnels {
            let path = tablePath(t)
            if let other = names[t.name] {
                reader.fail(path, "\(other) is also named \(t.name); rename one of them")
            }
            names[t.name] = path
            if let other = interfaces[t.interface] {
                reader.fail("\(path).interface", "\"\(t.interface)\" is already used by \(other)")
            }
            interfaces[t.interface] = path
            let pair = "\(t.ike.local.address)-\(t.ike.remote.map { "\($0.address)" } ?? "any")"
            if let other = pairs[pair] {
                reader.fail("\(path).remote_address",
                            "\(other) has the same local_address and remote_address; the peer could not be told apart")
            }
            pairs[pair] = path
            if t.bgp != nil {
                // BIRD symbols: at most 64 characters, and "a-b" and "a_b" would be one.
                let bird = BirdConfig.protocolName(t.name).lowercased()
                if t.name.count > BirdConfig.maxTunnelName {
                    reader.fail("\(path).bgp", "the tunnel name \(t.name) is longer than \(BirdConfig.maxTunnelName) characters, too long for BIRD's protocol names")
                } else if let other = birdNames[bird] {
                    reader.fail("\(path).bgp", "\(other) has the same BIRD protocol name \(bird) (- is written _); rename one of them")
                }
                birdNames[bird] = path
            }
        }
    }

    /// Where a tunnel is written: `tunnel.NAME`, or `connection.NAME.tunnel[i]` for a connection's.
    static func tablePath(_ t: TunnelSettings) -> String {
        t.connection.map { "connection.\($0.name).tunnel[\($0.index)]" } ?? "tunnel.\(t.name)"
    }
}
