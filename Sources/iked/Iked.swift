import ArgumentParser
import IKEDaemon
import LinuxNet
import Logging

/// `iked`: the IKEv2/IPsec daemon. `--check` validates a configuration (like `nginx -t`);
/// otherwise it runs in the foreground (systemd's Type=notify), logging to stderr.
@main
struct Iked: ParsableCommand {
    /// Usage errors exit 2 (issue 5), not the argument parser's 64.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                printError(fullMessage(for: error))
                exit(withError: ExitCode(2))
            }
            exit(withError: error)
        }
    }

    static let configuration = CommandConfiguration(
        commandName: "iked",
        abstract: "IKEv2/IPsec endpoint daemon.",
        discussion: "With --check, validate the configuration and exit 0 (valid) or 1 (invalid).")

    @Option(name: .long, help: "Configuration file.")
    var config = "/etc/iked/iked.toml"

    @Option(name: .long, help: "Control socket path (overrides [daemon] control_socket).")
    var controlSocket: String?

    @Flag(name: .long, help: "Validate the configuration and exit.")
    var check = false

    @Flag(name: .long, help: "Stay in the foreground (the default under systemd).")
    var foreground = false

    func run() throws {
        let loaded: IkedConfiguration
        do {
            loaded = try ConfigLoader.load(path: config)
        } catch {
            printError("\(error)")
            printError("iked: configuration \(config) is invalid")
            throw ExitCode(1)
        }
        for w in loaded.warnings { printError("warning: \(w)") }
        if check {
            print("iked: configuration \(config) is valid (\(loaded.tunnels.count) tunnel\(loaded.tunnels.count == 1 ? "" : "s"))")
            return
        }
        let level = Logger.Level(rawValue: loaded.daemon.logLevel.rawValue) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "iked")
        let daemon: Daemon
        do {
            daemon = try Daemon(configPath: config, configuration: loaded, controlSocket: controlSocket, logger: logger)
        } catch {
            printError("iked: cannot start: \(error)")
            throw ExitCode(1)
        }
        throw ExitCode(daemon.run())
    }
}

func printError(_ text: String) {
    var bytes = Array((text + "\n").utf8)
    bytes.withUnsafeMutableBytes { writeStandardError($0) }
}
