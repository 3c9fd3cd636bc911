// iked-testpeer: runs the IKE core over real UDP sockets for interop tests against strongSwan
// (issue 4: "a small test driver until the daemon exists"). One tunnel, from command-line
// options; prints one line per event on stdout and the core's log on stderr. Not the daemon:
// no config file, no ESP datapath, no control socket.
//
//   iked-testpeer --local 192.0.2.1 --remote 192.0.2.2|%any --local-id ID --remote-id ID
//                 --psk-file FILE --ike PROPOSAL[,..] --esp PROPOSAL[,..]
//                 --local-ts CIDR[,..] --remote-ts CIDR[,..] [--initiate]
//                 [--rekey-child-at S] [--rekey-ike-at S] [--terminate-at S] --run-for S
import CryptoOpenSSL
import Glibc
import IKECore
import IKECrypto
import IKEWire

/// Writes to standard error without touching C's global FILE pointers.
func writeError(_ text: String) {
    var bytes = Array(text.utf8)
    _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
}

extension String {
    func leftPadded(_ n: Int) -> String { String(repeating: "0", count: max(0, n - count)) + self }
}

@main
struct TestPeer {
    static func main() {
    /// Lines on stdout must reach the test script as they happen, not when a buffer fills.
        func say(_ line: String) {
            print(line)
            fflush(nil)
        }
    
        func fail(_ message: String) -> Never {
            writeError("iked-testpeer: \(message)\n")
            exit(2)
        }
    
        var options: [String: String] = [:]
        var flags: Set<String> = []
        var argv = CommandLine.arguments.dropFirst()
        while let arg = argv.popFirst() {
            guard arg.hasPrefix("--") else { fail("unexpected argument \(arg)") }
            let key = String(arg.dropFirst(2))
            if key == "initiate" || key == "verbose" { flags.insert(key); continue }
            guard let value = argv.popFirst() else { fail("--\(key) needs a value") }
            options[key] = value
        }
        func option(_ key: String) -> String {
            guard let v = options[key] else { fail("missing --\(key)") }
            return v
        }
        func seconds(_ key: String) -> Duration? { options[key].flatMap(Double.init).map { .milliseconds(Int64($0 * 1000)) } }
        func list(_ key: String) -> [String] { option(key).split(separator: ",").map(String.init) }
    
        func ipv4(_ text: String) -> [UInt8] {
            var a = in_addr()
            guard inet_pton(AF_INET, text, &a) == 1 else { fail("not an IPv4 address: \(text)") }
            return withUnsafeBytes(of: a.s_addr) { Array($0) }
        }
        func identity(_ text: String) -> Identification {
            var a = in_addr()
            if inet_pton(AF_INET, text, &a) == 1 { return .ipv4(withUnsafeBytes(of: a.s_addr) { Array($0) }) }
            return text.contains("@") ? .rfc822(text) : .fqdn(text)
        }
    
        func readPSK(_ path: String) -> SecretBytes {
            guard let f = fopen(path, "r") else { fail("cannot read \(path)") }
            defer { fclose(f) }
            var bytes: [UInt8] = []
            while true {
                let c = fgetc(f)
                if c == EOF { break }
                bytes.append(UInt8(c))
            }
            while let last = bytes.last, last == 10 || last == 13 { bytes.removeLast() }
            return SecretBytes(bytes)
        }
    
        let localAddress = ipv4(option("local"))
        let remoteText = option("remote")
        var config: TunnelConfig
        do {
            config = TunnelConfig(
                name: options["name"] ?? "t", local: Endpoint(address: localAddress, port: 500),
                remote: remoteText == "%any" ? nil : Endpoint(address: ipv4(remoteText), port: 500),
                localID: identity(option("local-id")), remoteID: options["remote-id"].map(identity),
                psk: readPSK(option("psk-file")),
                ikeProposals: try ProposalParser.parse(list("ike"), for: .ike),
                espProposals: try ProposalParser.parse(list("esp"), for: .esp),
                localTS: try list("local-ts").map { try TrafficSelector(cidr: $0) },
                remoteTS: try list("remote-ts").map { try TrafficSelector(cidr: $0) })
        } catch {
            fail("bad option: \(error)")
        }
        config.dpdDelay = seconds("dpd-delay")
    
        // MARK: Sockets (UDP 500 and 4500 with the RFC 3948 non-ESP marker)
    
        func udpSocket(port: UInt16) -> Int32 {
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            guard fd >= 0 else { fail("socket: \(String(cString: strerror(errno)))") }
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            var sa = sockaddr_in()
            sa.sin_family = sa_family_t(AF_INET)
            sa.sin_port = port.bigEndian
            localAddress.withUnsafeBytes { sa.sin_addr.s_addr = $0.load(as: UInt32.self) }
            let rc = withUnsafePointer(to: &sa) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            guard rc == 0 else { fail("bind \(port): \(String(cString: strerror(errno)))") }
            return fd
        }
    
        let sockets: [UInt16: Int32] = [500: udpSocket(port: 500), 4500: udpSocket(port: 4500)]
    
        func send(_ d: Datagram) {
            guard let fd = sockets[d.source.port] else { return }
            var bytes = d.bytes
            if d.source.port == 4500, d.kind == .ike { bytes = [0, 0, 0, 0] + bytes }
            var sa = sockaddr_in()
            sa.sin_family = sa_family_t(AF_INET)
            sa.sin_port = d.destination.port.bigEndian
            d.destination.address.withUnsafeBytes { sa.sin_addr.s_addr = $0.load(as: UInt32.self) }
            _ = withUnsafePointer(to: &sa) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) { addr in
                    bytes.withUnsafeBytes { b in sendto(fd, b.baseAddress, b.count, 0, addr, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
            }
        }
    
        func receive(_ fd: Int32, port: UInt16) -> Datagram? {
            var buffer = [UInt8](repeating: 0, count: 65_536)
            var sa = sockaddr_in()
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            let n = buffer.withUnsafeMutableBytes { b in
                withUnsafeMutablePointer(to: &sa) { p in
                    p.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, b.baseAddress, b.count, 0, $0, &len) }
                }
            }
            guard n > 0 else { return nil }
            var bytes = Array(buffer[..<n])
            if port == 4500 {
                guard bytes.count > 4, bytes[0..<4] == [0, 0, 0, 0] else { return nil }  // ESP or keepalive
                bytes.removeFirst(4)
            }
            let source = Endpoint(address: withUnsafeBytes(of: sa.sin_addr.s_addr) { Array($0) }, port: UInt16(bigEndian: sa.sin_port))
            return Datagram(source: source, destination: Endpoint(address: localAddress, port: port), bytes: bytes)
        }
    
        func monotonic() -> Duration {
            var ts = timespec()
            clock_gettime(CLOCK_MONOTONIC, &ts)
            return .seconds(ts.tv_sec) + .nanoseconds(ts.tv_nsec)
        }
    
        // MARK: Event loop
    
        let start = monotonic()
        func now() -> Duration { monotonic() - start }
        let engine: IKEEngine
        do {
            engine = try IKEEngine(tunnels: [config], provider: OpenSSLProvider(), random: OpenSSLRandom(), now: now())
        } catch {
            fail("engine: \(error)")
        }
    
        func hex32(_ v: UInt32) -> String { String(v, radix: 16).leftPadded(8) }
    
        func describe(_ e: IKEEvent) -> String {
            switch e {
            case .ikeSAEstablished(let i): "ikeSAEstablished \(i.id) \(i.proposal) remote=\(i.remote) udp_encap=\(i.udpEncapsulation)"
            case .ikeSARekeyed(let old, let new): "ikeSARekeyed \(old) -> \(new.id) \(new.proposal)"
            case .ikeSADeleted(let id, let r): "ikeSADeleted \(id) \(r.map { "\($0)" } ?? "")"
            case .ikeSAFailed(let t, let r): "ikeSAFailed \(t) \(r)"
            case .childSAInstalled(let c): "childSAInstalled in=\(hex32(c.id.inbound)) out=\(hex32(c.id.outbound)) \(c.localTS.notation) === \(c.remoteTS.notation)"
            case .childSARekeyed(let old, let c): "childSARekeyed old_in=\(hex32(old.inbound)) in=\(hex32(c.id.inbound)) out=\(hex32(c.id.outbound))"
            case .childSADeleted(let id, let r): "childSADeleted in=\(hex32(id.inbound)) out=\(hex32(id.outbound)) \(r.map { "\($0)" } ?? "")"
            case .childSAFailed(let t, let r): "childSAFailed \(t) \(r)"
            case .encapsulationChanged(let id, let l, let r, let u): "encapsulationChanged \(id) \(l) -> \(r) udp=\(u)"
            }
        }
    
        func flush() {
            while let d = engine.pollTransmit() { send(d) }
            while let e = engine.pollEvent() { say("EVENT \(describe(e))") }
            let minimum: LogRecord.Level = flags.contains("verbose") ? .debug : .info
            while let l = engine.pollLog() {
                if l.level >= minimum { writeError("\(l)\n") }
            }
        }
    
        var schedule: [(Duration, String)] = []
        if let t = seconds("rekey-child-at") { schedule.append((t, "rekey-child")) }
        if let t = seconds("rekey-ike-at") { schedule.append((t, "rekey-ike")) }
        if let t = seconds("terminate-at") { schedule.append((t, "terminate")) }
        schedule.sort { $0.0 < $1.0 }
        let runFor = seconds("run-for") ?? .seconds(30)
    
        if flags.contains("initiate") {
            do { try engine.initiate(tunnel: config.name, now: now()) } catch { fail("\(error)") }
        }
        flush()
        var fds = [pollfd(fd: sockets[500]!, events: Int16(POLLIN), revents: 0), pollfd(fd: sockets[4500]!, events: Int16(POLLIN), revents: 0)]
        while now() < runFor {
            let t = now()
            while let next = schedule.first, next.0 <= t {
                schedule.removeFirst()
                say("ACTION \(next.1)")
                switch next.1 {
                case "rekey-child": engine.rekeyChildSAs(tunnel: config.name, now: t)
                case "rekey-ike": engine.rekeyIKESA(tunnel: config.name, now: t)
                default: engine.terminate(tunnel: config.name, now: t)
                }
                flush()
            }
            let deadlines = [engine.nextTimeout, schedule.first?.0, runFor].compactMap { $0 }
            let wait = max(.zero, deadlines.min()! - now())
            let ms = Int32(min(1000, wait.components.seconds * 1000 + wait.components.attoseconds / 1_000_000_000_000_000 + 1))
            if poll(&fds, 2, ms) > 0 {
                for (i, port) in [UInt16(500), 4500].enumerated() where fds[i].revents & Int16(POLLIN) != 0 {
                    if let d = receive(fds[i].fd, port: port) { engine.handle(datagram: d, now: now()) }
                }
            }
            if let deadline = engine.nextTimeout, deadline <= now() { engine.handleTimeout(now: now()) }
            flush()
        }
        let ike = engine.ikeSAs(tunnel: config.name).count, children = engine.childSAs(tunnel: config.name)
        say("STATUS ike=\(ike) child=\(children.count) \(children.map { "in=\(hex32($0.id.inbound)) out=\(hex32($0.id.outbound))" }.joined(separator: " "))")
        say("DROPS \(engine.dropCounts.map { "\($0.key.rawValue)=\($0.value)" }.sorted().joined(separator: " "))")
    
    }
}
