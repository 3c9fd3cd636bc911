import Control

/// `ikectl export`: renders the configuration the OTHER side of one or more tunnels needs, the
/// way the clouds' "download configuration" does. Pure: text in, text out, no I/O, no clock, so
/// the same settings always give the same bytes.
///
/// The list holds one tunnel today; an AWS VPN connection (two tunnels) will pass both, and
/// every format then describes both in order ("IPSec Tunnel #1", "#2", ...).
/// Invariant: the pre-shared key appears in the output only when `includeSecrets` is true;
/// otherwise every place that would hold it holds `ExportSecret.placeholder`.
public enum PeerExport {
    public static func render(_ tunnels: [TunnelSettings], format: ExportFormat,
                              includeSecrets: Bool) throws(ExportError) -> String {
        guard !tunnels.isEmpty else { throw ExportError(.noTunnels, "nothing to export: no tunnel given") }
        let views = tunnels.map(PeerView.init)
        switch format {
        case .swanctl: return SwanctlExport.render(views, includeSecrets: includeSecrets)
        case .awsGeneric: return AWSGenericExport.render(views, includeSecrets: includeSecrets)
        case .azurePowerShell: return try AzurePowerShellExport.render(views, includeSecrets: includeSecrets)
        case .json: return JSONExport.render(views, includeSecrets: includeSecrets)
        }
    }
}

/// Why a tunnel cannot be exported in the asked format. The message names the tunnel and the
/// proposal or value that does not fit; it never holds a secret.
public struct ExportError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What went wrong, for callers that branch on it.
    public enum Kind: Sendable, Equatable {
        /// The list of tunnels was empty.
        case noTunnels
        /// A proposal or value has no spelling in the target format (e.g. a cipher Azure lacks).
        case notExpressible
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
