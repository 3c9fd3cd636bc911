import ArgumentParser
import Control
import LinuxNet

/// `ikectl`: drives a running iked over its control socket. Exit codes: 0 ok, 1 the operation
/// failed, 2 usage error, 3 the daemon is not reachable.
@main
struct Ikectl: ParsableCommand {
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
        commandName: "ikectl", abstract: "Control a running iked.",
        subcommands: [Up.self, Down.self, Status.self, List.self, Rekey.self, Reload.self, Metrics.self, Export.self])

    @OptionGroup var connection: Connection

    struct Connection: ParsableArguments {
        @Option(name: .long, help: "The daemon's control socket.")
        var socket = "/run/iked/iked.sock"

        /// Sends one request and returns the response, or exits 3 when iked is not there.
        func send(_ request: ControlRequest) throws -> ControlResponse {
            let c: UnixConnection
            do { c = try UnixConnection(connectingTo: socket) } catch {
                printError("ikectl: cannot reach iked at \(socket): \(error)")
                throw ExitCode(3)
            }
            c.write(line: ControlCoding.encode(request))
            guard let line = c.readLine(), let response = try? ControlCoding.decode(ControlResponse.self, line) else {
                printError("ikectl: iked closed the connection without an answer")
                throw ExitCode(3)
            }
            return response
        }

        /// Prints the message and exits 1 when the daemon said no.
        func run(_ request: ControlRequest) throws {
            let r = try send(request)
            if r.ok { print(r.message) } else {
                printError(r.message)
                throw ExitCode(1)
            }
        }
    }

    struct Up: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Bring a tunnel up and wait for its Child SA.")
        @ParentCommand var root: Ikectl
        @Argument var tunnel: String
        @Flag(name: .long, help: "Return once the IKE_SA_INIT is sent.") var noWait = false
        func run() throws { try root.connection.run(ControlRequest(.up, tunnel: tunnel, noWait: noWait)) }
    }

    struct Down: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a tunnel's SAs (the peer gets a DELETE).")
        @ParentCommand var root: Ikectl
        @Argument var tunnel: String
        func run() throws { try root.connection.run(ControlRequest(.down, tunnel: tunnel)) }
    }

    struct Rekey: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Rekey a tunnel's IKE SA, Child SAs, or both.")
        @ParentCommand var root: Ikectl
        @Argument var tunnel: String
        @Flag(name: .long) var ike = false
        @Flag(name: .long) var child = false
        func run() throws { try root.connection.run(ControlRequest(.rekey, tunnel: tunnel, ike: ike, child: child)) }
    }

    struct Reload: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Re-read the configuration file.")
        @ParentCommand var root: Ikectl
        func run() throws { try root.connection.run(ControlRequest(.reload)) }
    }

    struct Metrics: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the Prometheus metrics (as metrics_listen serves them).")
        @ParentCommand var root: Ikectl
        func run() throws {
            let r = try root.connection.send(ControlRequest(.metrics))
            print(r.message, terminator: "")
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the configuration the other side of a tunnel needs.",
            discussion: "Mirrored from the loaded settings: iked's local side is the peer's remote side. The pre-shared key is a placeholder unless --include-secrets is given.")
        @ParentCommand var root: Ikectl
        @Argument var tunnel: String
        @Option(name: .long, help: "One of: \(ExportFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
        var format: ExportFormat
        @Flag(name: .long, help: "Put the pre-shared key in the output.") var includeSecrets = false
        func run() throws {
            let r = try root.connection.send(ControlRequest(.export, tunnel: tunnel, format: format, includeSecrets: includeSecrets))
            guard r.ok else {
                printError(r.message)
                throw ExitCode(1)
            }
            print(r.message, terminator: "")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the configured tunnels.")
        @ParentCommand var root: Ikectl
        func run() throws {
            let r = try root.connection.send(ControlRequest(.list))
            (r.tunnels ?? []).forEach { print($0) }
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show tunnels and their SAs.")
        @ParentCommand var root: Ikectl
        @Argument var tunnel: String?
        @Flag(name: .long, help: "Machine-readable output.") var json = false
        func run() throws {
            let r = try root.connection.send(ControlRequest(.status, tunnel: tunnel))
            guard r.ok, let status = r.status else {
                printError(r.message)
                throw ExitCode(1)
            }
            print(json ? ControlCoding.encode(status) : StatusTable.render(status))
        }
    }
}

/// `--format` values are checked by the argument parser: a bad one is a usage error (exit 2).
extension ExportFormat: ExpressibleByArgument {}
