import Foundation
import Testing
@testable import IKEDaemon

/// The configuration's TOML parser (TOML 1.0), which replaced TOMLKit when the config fuzz
/// target found that TOMLKit never frees a parsed document (issue 10).
@Suite struct TOMLParserTests {
    func parse(_ text: String) throws -> TOMLTable { try TOMLTable(string: text) }

    func failure(_ text: String) -> TOMLParseError? {
        do { _ = try TOMLTable(string: text); return nil } catch { return error }
    }

    @Test func keysTablesAndArraysOfTables() throws {
        let t = try parse("""
            # a comment
            top = "x"   # trailing comment
            [daemon]
            ike_port = 500
            "quoted key" = 'literal \\ no escape'
            a.b.c = true
            [tunnel.one]
            local_ts = ["10.1.0.0/16", "10.3.0.0/16",]
            [connection.vpn]
            [[connection.vpn.tunnel]]
            psk = "one"
            [[connection.vpn.tunnel]]
            psk = "two"
            [connection.vpn.tunnel.extra]
            n = 1
            """)
        #expect(t.keys == ["top", "daemon", "tunnel", "connection"])
        #expect(t["top"]?.string == "x")
        let daemon = try #require(t["daemon"]?.table)
        #expect(daemon["ike_port"]?.int == 500)
        #expect(daemon["quoted key"]?.string == "literal \\ no escape")
        #expect(daemon["a"]?.table?["b"]?.table?["c"]?.bool == true)
        #expect(t["tunnel"]?.table?["one"]?.table?["local_ts"]?.array?.compactMap(\.string) == ["10.1.0.0/16", "10.3.0.0/16"])
        let tunnels = try #require(t["connection"]?.table?["vpn"]?.table?["tunnel"]?.array)
        #expect(tunnels.compactMap { $0.table?["psk"]?.string } == ["one", "two"])
        #expect(tunnels[1].table?["extra"]?.table?["n"]?.int == 1, "a sub-table of the last element")
    }

    @Test func stringsNumbersDatesAndInlineTables() throws {
        let t = try parse("""
            s = "tab\\tquote\\"u\\u00e9\\U0001F600"
            m = \"\"\"
            line one
            two \\
               joined\"\"\"
            l = '''
            raw \\n'''
            hex = 0xDEAD_beef
            oct = 0o755
            bin = 0b1010
            neg = -1_000
            f = 6.626e-34
            g = -0.5
            inf = -inf
            d = 1979-05-27
            dt = 1979-05-27 07:32:00Z
            tm = 07:32:00.999
            it = { a = 1, b.c = "x" }
            nested = [[1, 2], ["a"], []]
            """)
        #expect(t["s"]?.string == "tab\tquote\"u\u{e9}\u{1F600}")
        #expect(t["m"]?.string == "line one\ntwo joined")
        #expect(t["l"]?.string == "raw \\n")
        #expect(t["hex"]?.int == 0xDEAD_BEEF && t["oct"]?.int == 0o755 && t["bin"]?.int == 10 && t["neg"]?.int == -1000)
        #expect(t["f"] == .double(6.626e-34) && t["g"] == .double(-0.5) && t["inf"] == .double(-.infinity))
        #expect(t["d"]?.type == "date" && t["dt"]?.type == "dateTime" && t["tm"]?.type == "time")
        #expect(t["it"]?.table?["b"]?.table?["c"]?.string == "x")
        #expect(t["nested"]?.array?.count == 3)
    }

    @Test(arguments: [
        ("a = 1\na = 2", 2, "defined twice"),
        ("[t]\n[t]", 2, "defined twice"),
        ("a = 01", 1, "not a TOML value"),
        ("a = 1__0", 1, "not a TOML value"),
        ("a = 99999999999999999999", 1, "not a TOML value"),
        ("a = \"open", 1, "not closed"),
        ("a = \"x\\q\"", 1, "unknown escape"),
        ("a = [1, 2", 1, "not closed"),
        ("a = { b = 1,\n c = 2 }", 1, "key"),
        ("x = 1\na = b", 2, "strings need quotes"),
        ("a = 1 b = 2", 1, "end of the line"),
        ("t = { a = 1 }\n[t]", 2, "inline table"),
        ("a = 1\n[a.b]", 2, "already holds a value"),
        ("[[a]]\n[a]", 2, "array of tables"),
        ("a = 1\r", 1, "carriage return"),
        ("= 1", 1, "expected a key"),
        ("a = \"\\uD800\"", 1, "Unicode scalar"),
    ] as [(String, Int, String)])
    func errorsNameTheLine(_ text: String, _ line: Int, _ words: String) {
        let e = failure(text)
        #expect(e?.line == line, "\(text.debugDescription): \(String(describing: e))")
        #expect(e?.message.contains(words) == true, "\(text.debugDescription): \(String(describing: e))")
    }

    @Test func deepNestingIsAnErrorNotAStackOverflow() {
        #expect(failure("a = " + String(repeating: "[", count: 100_000))?.message.contains("nest deeper") == true)
        #expect(failure("a = " + String(repeating: "{b=", count: 10_000))?.message.contains("nest deeper") == true)
        #expect(failure("a = " + String(repeating: "[", count: 31) + String(repeating: "]", count: 31)) == nil)
    }

    @Test func aKeyOfThousandsOfDottedPartsIsAnError() {
        // Found by the config fuzz target: one 750-part header took over 10 s (the per-key work
        // grew with the square of the parts), a hang for `iked --check` and a reload.
        let deep = Array(repeating: "a", count: 10_000).joined(separator: ".")
        #expect(failure("[\(deep)]")?.message.contains("dotted parts") == true)
        #expect(failure("\(deep) = 1")?.message.contains("dotted parts") == true)
        let limit = Array(repeating: "a", count: TOMLParser.maxDepth).joined(separator: ".")
        #expect(failure("[\(limit)]\n\(limit) = 1") == nil, "the limit itself is allowed")
    }

    @Test func crlfAndEmptyDocuments() throws {
        #expect(try parse("").isEmpty)
        #expect(try parse("\r\n# only a comment\r\n").isEmpty)
        #expect(try parse("a = 1\r\nb = 2\r\n")["b"]?.int == 2)
    }

    @Test func theExampleConfigurationParses() throws {
        let text = try String(contentsOf: ConfigCheckTests.repo.appendingPathComponent("conf/iked.toml"), encoding: .utf8)
        let t = try parse(text)
        let tunnel = try #require(t["tunnel"]?.table?["aws-vpc"]?.table)
        #expect(tunnel["remote_address"]?.string == "198.51.100.20")
        #expect(tunnel["ike_proposals"]?.array?.count == 2)
        #expect(t["daemon"]?.table?["cookie_threshold"]?.int == 10)
    }
}
