import Foundation
import Testing
@testable import IKEDaemon

/// Inputs the fuzz targets once failed on (Tests/Fixtures/fuzz-regressions), fed to the same
/// code as the target: each must end in a value or a typed error. Under `scripts/fuzz.sh` they
/// also run with ASan and LeakSanitizer.
@Suite struct FuzzRegressionTests {
    static func inputs(_ target: String) -> [URL] {
        let dir = ConfigCheckTests.repo.appendingPathComponent("Tests/Fixtures/fuzz-regressions/\(target)")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.sorted().map { dir.appendingPathComponent($0) }
    }

    @Test func configInputsParseOrFailWithConfigErrors() throws {
        let files = Self.inputs("config")
        #expect(!files.isEmpty)
        for f in files {
            let text = String(decoding: try Data(contentsOf: f), as: UTF8.self)
            do {
                _ = try ConfigLoader.parse(text, file: "fuzz.toml", folder: "/nonexistent/iked-fuzz")
            } catch {
                #expect(!error.errors.isEmpty, "\(f.lastPathComponent)")
            }
        }
    }
}
