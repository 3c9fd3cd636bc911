import CoreMetrics
import IKECore
import Prometheus

/// The daemon's metrics (issue 5): swift-metrics handles backed by a swift-prometheus registry,
/// emitted as Prometheus text on `metrics_listen` and by `ikectl metrics`. Per-tunnel gauges are
/// refreshed from engine snapshots when scraped; counters move with events.
final class DaemonMetrics {
    let registry = PrometheusCollectorRegistry()
    let factory: PrometheusMetricsFactory
    private var handshakeStarted: [String: Duration] = [:]
    /// The totals last reported to each counter (by name and labels): the engine and datapath
    /// keep running totals, and a scrape adds the difference.
    private var reported: [String: UInt64] = [:]

    init() {
        var f = PrometheusMetricsFactory(registry: registry)
        f.durationHistogramBuckets["iked_handshake_duration_seconds"] =
            [.milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
             .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30)]
        factory = f
    }

    func counter(_ name: String, _ dimensions: [(String, String)]) -> CoreMetrics.Counter {
        CoreMetrics.Counter(label: name, dimensions: dimensions, factory: factory)
    }

    func gauge(_ name: String, _ dimensions: [(String, String)]) -> CoreMetrics.Gauge {
        CoreMetrics.Gauge(label: name, dimensions: dimensions, factory: factory)
    }

    // MARK: Events

    func initiating(_ tunnel: String, now: Duration) {
        if handshakeStarted[tunnel] == nil { handshakeStarted[tunnel] = now }
    }

    func record(_ event: IKEEvent, now: Duration) {
        switch event {
        case .ikeSAEstablished(let i):
            if let start = handshakeStarted.removeValue(forKey: i.id.tunnel) {
                CoreMetrics.Timer(label: "iked_handshake_duration_seconds", dimensions: [("tunnel", i.id.tunnel)],
                                  preferredDisplayUnit: .seconds, factory: factory).recordInterval(since: start, now: now)
            }
        case .ikeSARekeyed(let old, _):
            counter("iked_rekeys_total", [("tunnel", old.tunnel), ("sa", "ike")]).increment()
        case .childSARekeyed(let old, _):
            counter("iked_rekeys_total", [("tunnel", old.tunnel), ("sa", "child")]).increment()
        case .ikeSADeleted(let id, let reason) where reason?.kind == .deadPeer:
            counter("iked_dpd_failures_total", [("tunnel", id.tunnel)]).increment()
        case .ikeSAFailed(let tunnel, let reason):
            handshakeStarted[tunnel] = nil
            counter("iked_ike_sa_failures_total", [("tunnel", tunnel), ("reason", reason.kind.rawValue)]).increment()
        default:
            break
        }
    }

    /// Brings the drop counters up to the engine's totals.
    func updateDrops(_ totals: [DropReason: Int]) {
        for (reason, total) in totals { advance("iked_drops_total", [("reason", reason.rawValue)], to: UInt64(total)) }
    }

    /// Brings the datapath's counters up to its totals: ESP drops by reason (`sendFailed`
    /// included) and oversize inner packets by outcome.
    func updateDatapath(drops: [String: UInt64], oversize: [String: UInt64]) {
        for (reason, total) in drops { advance("iked_esp_drops_total", [("reason", reason)], to: total) }
        for (outcome, total) in oversize { advance("iked_esp_oversize_total", [("outcome", outcome)], to: total) }
    }

    /// The engine's IKE SAs in any state and the half-open ones among them.
    func updateEngine(ikeSAs: Int, halfOpen: Int) {
        gauge("iked_engine_ike_sas", []).record(ikeSAs)
        gauge("iked_half_open_ike_sas", []).record(halfOpen)
    }

    /// Adds to the counter what its running total grew by since the last scrape (a counter
    /// seen for the first time is created, at 0 if its total is 0).
    private func advance(_ name: String, _ labels: [(String, String)], to total: UInt64) {
        let key = ([name] + labels.map { "\($0.0)=\($0.1)" }).joined(separator: "/")
        let before = reported[key, default: 0]
        counter(name, labels).increment(by: Int64(total > before ? total - before : 0))
        reported[key] = total
    }

    /// Sets the per-tunnel gauges from a snapshot (`state`: down, connecting, up).
    func updateTunnel(_ name: String, state: String, snapshot: TunnelSnapshot,
                      traffic: (inBytes: UInt64, inPackets: UInt64, outBytes: UInt64, outPackets: UInt64)) {
        for s in ["down", "connecting", "up"] {
            gauge("iked_tunnel_state", [("tunnel", name), ("state", s)]).record(s == state ? 1 : 0)
        }
        gauge("iked_ike_sas", [("tunnel", name)]).record(snapshot.ikeSA == nil ? 0 : 1)
        gauge("iked_child_sas", [("tunnel", name)]).record(snapshot.children.count)
        let values: [(String, String, UInt64)] = [("bytes", "in", traffic.inBytes), ("bytes", "out", traffic.outBytes),
                                                 ("packets", "in", traffic.inPackets), ("packets", "out", traffic.outPackets)]
        for (what, direction, total) in values {
            advance("iked_child_\(what)_total", [("tunnel", name), ("direction", direction)], to: total)
        }
    }

    func exposition() -> String { registry.emitToString() }
}

extension CoreMetrics.Timer {
    func recordInterval(since start: Duration, now: Duration) {
        let c = (now - start).components
        recordNanoseconds(c.seconds * 1_000_000_000 + c.attoseconds / 1_000_000_000)
    }
}
