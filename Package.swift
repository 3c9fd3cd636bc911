// swift-tools-version:6.1
// iked: a userspace IKEv2/IPsec endpoint for Linux. Module boundaries follow DESIGN.md §1:
// the pure modules (IKEWire, IKECrypto) import no C module and do no I/O; only CryptoOpenSSL
// touches libcrypto and libsodium.
import PackageDescription

let package = Package(
    name: "iked",
    products: [
        .executable(name: "iked", targets: ["iked"]),
        .executable(name: "ikectl", targets: ["ikectl"]),
        .library(name: "IKEWire", targets: ["IKEWire"]),
        .library(name: "IKECrypto", targets: ["IKECrypto"]),
        .library(name: "CryptoOpenSSL", targets: ["CryptoOpenSSL"]),
        .library(name: "IKECore", targets: ["IKECore"]),
        // The datapath micro-benchmark (issue 6): `swift run -c release iked-bench`.
        .executable(name: "iked-bench", targets: ["iked-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
    ],
    targets: [
        // C libraries through pkg-config; thin module maps only.
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium",
                       providers: [.apt(["libsodium-dev"])]),

        // Pure modules.
        .target(name: "IKEWire"),
        .target(name: "IKECrypto"),
        // Sans-I/O IKEv2 (DESIGN §2): negotiation, state machines; time and randomness are arguments.
        .target(name: "IKECore", dependencies: ["IKEWire", "IKECrypto"]),
        // Sans-I/O ESP (DESIGN §1, §3): SA state, in-place seal/open, replay window, selectors.
        .target(name: "ESPCore", dependencies: ["IKECrypto"]),

        // The only module that imports COpenSSL/CSodium.
        .target(name: "CryptoOpenSSL", dependencies: ["IKECrypto", "COpenSSL", "CSodium"]),

        // Linux system interfaces: UDP and unix sockets, signals, sd_notify (later TUN and rtnetlink).
        .target(name: "CLinux"),
        .target(name: "LinuxNet", dependencies: ["IKECore", "CLinux"]),

        // The daemon: configuration (its own TOML parser), and later the wiring of core, sockets and datapath.
        .target(name: "IKEDaemon", dependencies: ["IKECore", "IKECrypto", "IKEWire", "CryptoOpenSSL", "LinuxNet", "Control", "ESPCore",
                                                  .product(name: "Logging", package: "swift-log"),
                                                  .product(name: "CoreMetrics", package: "swift-metrics"),
                                                  .product(name: "Prometheus", package: "swift-prometheus")]),
        // The control protocol shared by iked and ikectl (Codable, one JSON object per line).
        .target(name: "Control"),
        .executableTarget(name: "ikectl", dependencies: ["Control", "LinuxNet", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "iked", dependencies: ["IKEDaemon", "LinuxNet", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                                                     .product(name: "Logging", package: "swift-log")]),

        // The ESP datapath benchmark against raw OpenSSL/libsodium calls (docs/performance.md). Not a
        // pure module and not the product: it calls the C libraries directly for its reference, and
        // CAllocCounter replaces malloc and friends to count heap allocations per packet; link
        // CAllocCounter into nothing else.
        .target(name: "CAllocCounter"),
        .executableTarget(name: "iked-bench", dependencies: ["ESPCore", "IKECrypto", "CryptoOpenSSL", "IKECore", "IKEWire",
                                                           "CAllocCounter"]),

        .testTarget(name: "IKEDaemonTests", dependencies: ["IKEDaemon", "IKECore", "IKEWire", "IKECrypto", "LinuxNet", "Control"]),
        .testTarget(name: "ESPCoreTests", dependencies: ["ESPCore", "IKECrypto", "CryptoOpenSSL"]),
        .testTarget(name: "IKEWireTests", dependencies: ["IKEWire"]),
        .testTarget(name: "IKECryptoTests", dependencies: ["IKECrypto"]),
        // IKEDaemon: the profile simulations build both sides from TOML through the real profile code.
        .testTarget(name: "IKECoreTests", dependencies: ["IKECore", "IKEWire", "IKECrypto", "CryptoOpenSSL", "IKEDaemon"]),
        .testTarget(name: "CryptoOpenSSLTests", dependencies: ["CryptoOpenSSL", "IKECrypto", "COpenSSL"]),
        // Real strongSwan captures (Tests/Fixtures/strongswan): byte-exact decode/encode,
        // decryption with the logged keys, key derivation and PSK AUTH recomputed.
        .testTarget(name: "FixtureTests", dependencies: ["IKEWire", "IKECrypto", "CryptoOpenSSL", "IKECore"]),
    ],
    swiftLanguageModes: [.v6]
)

// libFuzzer targets (docs/security.md, "Fuzzing"), only when IKED_FUZZ is set: scripts/fuzz.sh
// builds them in their own scratch path with libFuzzer and AddressSanitizer, so the
// normal build and `swift test` never see them. Each is an executable `fuzz-NAME` from
// Fuzz/NAME without a main of its own: libFuzzer's main calls its `LLVMFuzzerTestOneInput`.
if Context.environment["IKED_FUZZ"] != nil {
    let fuzzTargets: [(name: String, dependencies: [Target.Dependency])] = [
        ("ike-decode", ["IKEWire"]),
        ("sk-open", ["IKEWire", "IKECrypto", "IKECore", "CryptoOpenSSL"]),
        ("ike-responder", ["IKEWire", "IKECrypto", "IKECore", "CryptoOpenSSL"]),
        ("esp-decap", ["IKECrypto", "ESPCore", "CryptoOpenSSL"]),
        ("config", ["IKEDaemon", "IKECore"]),
    ]
    for t in fuzzTargets {
        package.targets.append(.executableTarget(name: "fuzz-\(t.name)", dependencies: t.dependencies,
                                                 path: "Fuzz/\(t.name)"))
        package.products.append(.executable(name: "fuzz-\(t.name)", targets: ["fuzz-\(t.name)"]))
    }
}
