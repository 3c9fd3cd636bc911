// Generated from the RFC texts' test cases; each array names its source. Hex is lowercase.
@testable import CryptoOpenSSL
import IKECrypto

/// One keyed-hash test case: key, data and expected (possibly truncated) output.
struct MACVector: Sendable {
    let name: String
    let key: String
    let data: String
    let mac: String
}

enum HMACVectors {
    /// RFC 2202 §3, HMAC-SHA-1 test cases 1-4, 6, 7 (case 5 is a truncation case).
    static let rfc2202SHA1: [MACVector] = [
        MACVector(name: "RFC 2202 §3 test case 1",
                  key: "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
                  data: "4869205468657265",
                  mac: "b617318655057264e28bc0b6fb378c8ef146be00"),
        MACVector(name: "RFC 2202 §3 test case 2",
                  key: "4a656665",
                  data: "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
                  mac: "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"),
        MACVector(name: "RFC 2202 §3 test case 3",
                  key: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                  data:
                    "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd" +
                    "dddddddddddddddddddddddddddddddddddd",
                  mac: "125d7342b9ac11cd91a39af48aa17b4f63f175d3"),
        MACVector(name: "RFC 2202 §3 test case 4",
                  key: "0102030405060708090a0b0c0d0e0f10111213141516171819",
                  data:
                    "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd" +
                    "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
                  mac: "4c9007f4026250c6bc8414f9bf50c86c2d7235da"),
        MACVector(name: "RFC 2202 §3 test case 6",
                  key:
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                  data:
                    "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a" +
                    "65204b6579202d2048617368204b6579204669727374",
                  mac: "aa4ae5e15272d00e95705637ce8a3b55ed402112"),
        MACVector(name: "RFC 2202 §3 test case 7",
                  key:
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                  data:
                    "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a" +
                    "65204b657920616e64204c6172676572205468616e204f6e6520426c6f636b2d" +
                    "53697a652044617461",
                  mac: "e8e99d0f45237d786d6bbaa7965c7808bbff1a91"),
    ]

    /// RFC 4231 §4.2-§4.8, HMAC-SHA-256 test cases 1-4, 6, 7 (case 5 is truncated).
    static let rfc4231SHA256: [MACVector] = [
        MACVector(name: "RFC 4231 §4.2 test case 1",
                  key: "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
                  data: "4869205468657265",
                  mac: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        MACVector(name: "RFC 4231 §4.3 test case 2",
                  key: "4a656665",
                  data: "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
                  mac: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        MACVector(name: "RFC 4231 §4.4 test case 3",
                  key: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                  data:
                    "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd" +
                    "dddddddddddddddddddddddddddddddddddd",
                  mac: "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        MACVector(name: "RFC 4231 §4.5 test case 4",
                  key: "0102030405060708090a0b0c0d0e0f10111213141516171819",
                  data:
                    "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd" +
                    "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
                  mac: "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        MACVector(name: "RFC 4231 §4.7 test case 6",
                  key:
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaa",
                  data:
                    "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a" +
                    "65204b6579202d2048617368204b6579204669727374",
                  mac: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        MACVector(name: "RFC 4231 §4.8 test case 7",
                  key:
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaa",
                  data:
                    "5468697320697320612074657374207573696e672061206c6172676572207468" +
                    "616e20626c6f636b2d73697a65206b657920616e642061206c61726765722074" +
                    "68616e20626c6f636b2d73697a6520646174612e20546865206b6579206e6565" +
                    "647320746f20626520686173686564206265666f7265206265696e6720757365" +
                    "642062792074686520484d414320616c676f726974686d2e",
                  mac: "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
    ]

    /// RFC 4231 §4.2-§4.8, HMAC-SHA-384 test cases 1-4, 6, 7 (case 5 is truncated).
    static let rfc4231SHA384: [MACVector] = [
        MACVector(name: "RFC 4231 §4.2 test case 1",
                  key: "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
                  data: "4869205468657265",
                  mac:
                    "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c" +
                    "faea9ea9076ede7f4af152e8b2fa9cb6"),
        MACVector(name: "RFC 4231 §4.3 test case 2",
                  key: "4a656665",
                  data: "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
                  mac:
                    "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e" +
                    "8e2240ca5e69e2c78b3239ecfab21649"),
        MACVector(name: "RFC 4231 §4.4 test case 3",
                  key: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                  data:
                    "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd" +
                    "dddddddddddddddddddddddddddddddddddd",
                  mac:
                    "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b" +
                    "2a5ab39dc13814b94e3ab6e101a34f27"),
        MACVector(name: "RFC 4231 §4.5 test case 4",
                  key: "0102030405060708090a0b0c0d0e0f10111213141516171819",
                  data:
                    "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd" +
                    "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
                  mac:
                    "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e" +
                    "6801dd23c4a7d679ccf8a386c674cffb"),
        MACVector(name: "RFC 4231 §4.7 test case 6",
                  key:
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaa",
                  data:
                    "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a" +
                    "65204b6579202d2048617368204b6579204669727374",
                  mac:
                    "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6" +
                    "0c2ef6ab4030fe8296248df163f44952"),
        MACVector(name: "RFC 4231 §4.8 test case 7",
                  key:
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaa",
                  data:
                    "5468697320697320612074657374207573696e672061206c6172676572207468" +
                    "616e20626c6f636b2d73697a65206b657920616e642061206c61726765722074" +
                    "68616e20626c6f636b2d73697a6520646174612e20546865206b6579206e6565" +
                    "647320746f20626520686173686564206265666f7265206265696e6720757365" +
                    "642062792074686520484d414320616c676f726974686d2e",
                  mac:
                    "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5" +
                    "a678cc31e799176d3860e6110c46523e"),
    ]

    /// RFC 4231 §4.2-§4.8, HMAC-SHA-512 test cases 1-4, 6, 7 (case 5 is truncated).
    static let rfc4231SHA512: [MACVector] = [
        MACVector(name: "RFC 4231 §4.2 test case 1",
                  key: "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
                  data: "4869205468657265",
                  mac:
                    "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde" +
                    "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"),
        MACVector(name: "RFC 4231 §4.3 test case 2",
                  key: "4a656665",
                  data: "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
                  mac:
                    "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554" +
                    "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"),
        MACVector(name: "RFC 4231 §4.4 test case 3",
                  key: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                  data:
                    "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd" +
                    "dddddddddddddddddddddddddddddddddddd",
                  mac:
                    "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39" +
                    "bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb"),
        MACVector(name: "RFC 4231 §4.5 test case 4",
                  key: "0102030405060708090a0b0c0d0e0f10111213141516171819",
                  data:
                    "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd" +
                    "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
                  mac:
                    "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3db" +
                    "a91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd"),
        MACVector(name: "RFC 4231 §4.7 test case 6",
                  key:
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaa",
                  data:
                    "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a" +
                    "65204b6579202d2048617368204b6579204669727374",
                  mac:
                    "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352" +
                    "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"),
        MACVector(name: "RFC 4231 §4.8 test case 7",
                  key:
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaa",
                  data:
                    "5468697320697320612074657374207573696e672061206c6172676572207468" +
                    "616e20626c6f636b2d73697a65206b657920616e642061206c61726765722074" +
                    "68616e20626c6f636b2d73697a6520646174612e20546865206b6579206e6565" +
                    "647320746f20626520686173686564206265666f7265206265696e6720757365" +
                    "642062792074686520484d414320616c676f726974686d2e",
                  mac:
                    "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944" +
                    "b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58"),
    ]

    /// RFC 4868 §2.7.2.1: HMAC-SHA-256 authenticator test cases 1-3 (truncated ICV).
    static let rfc4868AuthSHA256: [MACVector] = [
        MACVector(name: "RFC 4868 §2.7.2 AUTH256-1",
                  key: "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
                  data: "4869205468657265",
                  mac: "198a607eb44bfbc69903a0f1cf2bbdc5"),
        MACVector(name: "RFC 4868 §2.7.2 AUTH256-2",
                  key: "4a6566654a6566654a6566654a6566654a6566654a6566654a6566654a656665",
                  data: "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
                  mac: "167f928588c5cc2eef8e3093caa0e87c"),
        MACVector(name: "RFC 4868 §2.7.2 AUTH256-3",
                  key: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                  data:
                    "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd" +
                    "dddddddddddddddddddddddddddddddddddd",
                  mac: "cdcb1220d1ecccea91e53aba3092f962"),
    ]

    /// RFC 4868 §2.7.1: PRF-HMAC-SHA-256 test cases (the 4-byte-key case omitted).
    static let rfc4868PRFSHA256: [MACVector] = [
        MACVector(name: "RFC 4868 §2.7.1 PRF-1 (SHA-256)",
                  key: "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
                  data: "4869205468657265",
                  mac: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        MACVector(name: "RFC 4868 §2.7.1 PRF-3 (SHA-256)",
                  key: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                  data:
                    "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd" +
                    "dddddddddddddddddddddddddddddddddddd",
                  mac: "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        MACVector(name: "RFC 4868 §2.7.1 PRF-4 (SHA-256)",
                  key: "0102030405060708090a0b0c0d0e0f10111213141516171819",
                  data:
                    "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd" +
                    "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
                  mac: "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        MACVector(name: "RFC 4868 §2.7.1 PRF-5 (SHA-256)",
                  key:
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaa",
                  data:
                    "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a" +
                    "65204b6579202d2048617368204b6579204669727374",
                  mac: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        MACVector(name: "RFC 4868 §2.7.1 PRF-6 (SHA-256)",
                  key:
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaa",
                  data:
                    "5468697320697320612074657374207573696e672061206c6172676572207468" +
                    "616e20626c6f636b2d73697a65206b657920616e642061206c61726765722074" +
                    "68616e20626c6f636b2d73697a6520646174612e20546865206b6579206e6565" +
                    "647320746f20626520686173686564206265666f7265206265696e6720757365" +
                    "642062792074686520484d414320616c676f726974686d2e",
                  mac: "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
    ]

    /// RFC 4868 §2.7.2.2: HMAC-SHA-384 authenticator test cases 1-3 (truncated ICV).
    static let rfc4868AuthSHA384: [MACVector] = [
        MACVector(name: "RFC 4868 §2.7.2 AUTH384-1",
                  key:
                    "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b" +
                    "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
                  data: "4869205468657265",
                  mac: "b6a8d5636f5c6a7224f9977dcf7ee6c7fb6d0c48cbdee973"),
        MACVector(name: "RFC 4868 §2.7.2 AUTH384-2",
                  key:
                    "4a6566654a6566654a6566654a6566654a6566654a6566654a6566654a656665" +
                    "4a6566654a6566654a6566654a656665",
                  data: "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
                  mac: "2c7353974f1842fd66d53c452ca42122b28c0b594cfb184d"),
        MACVector(name: "RFC 4868 §2.7.2 AUTH384-3",
                  key:
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                  data:
                    "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd" +
                    "dddddddddddddddddddddddddddddddddddd",
                  mac: "809f439be00274321d4a538652164b53554a508184a0c316"),
    ]

    /// RFC 4868 §2.7.1: PRF-HMAC-SHA-384 test cases (the 4-byte-key case omitted).
    static let rfc4868PRFSHA384: [MACVector] = [
        MACVector(name: "RFC 4868 §2.7.1 PRF-1 (SHA-384)",
                  key: "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
                  data: "4869205468657265",
                  mac:
                    "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c" +
                    "faea9ea9076ede7f4af152e8b2fa9cb6"),
        MACVector(name: "RFC 4868 §2.7.1 PRF-3 (SHA-384)",
                  key: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                  data:
                    "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd" +
                    "dddddddddddddddddddddddddddddddddddd",
                  mac:
                    "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b" +
                    "2a5ab39dc13814b94e3ab6e101a34f27"),
        MACVector(name: "RFC 4868 §2.7.1 PRF-4 (SHA-384)",
                  key: "0102030405060708090a0b0c0d0e0f10111213141516171819",
                  data:
                    "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd" +
                    "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
                  mac:
                    "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e" +
                    "6801dd23c4a7d679ccf8a386c674cffb"),
        MACVector(name: "RFC 4868 §2.7.1 PRF-5 (SHA-384)",
                  key:
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaa",
                  data:
                    "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a" +
                    "65204b6579202d2048617368204b6579204669727374",
                  mac:
                    "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6" +
                    "0c2ef6ab4030fe8296248df163f44952"),
        MACVector(name: "RFC 4868 §2.7.1 PRF-6 (SHA-384)",
                  key:
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaa",
                  data:
                    "5468697320697320612074657374207573696e672061206c6172676572207468" +
                    "616e20626c6f636b2d73697a65206b657920616e642061206c61726765722074" +
                    "68616e20626c6f636b2d73697a6520646174612e20546865206b6579206e6565" +
                    "647320746f20626520686173686564206265666f7265206265696e6720757365" +
                    "642062792074686520484d414320616c676f726974686d2e",
                  mac:
                    "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5" +
                    "a678cc31e799176d3860e6110c46523e"),
    ]

    /// RFC 4868 §2.7.2.3: HMAC-SHA-512 authenticator test cases 1-3 (truncated ICV).
    static let rfc4868AuthSHA512: [MACVector] = [
        MACVector(name: "RFC 4868 §2.7.2 AUTH512-1",
                  key:
                    "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b" +
                    "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
                  data: "4869205468657265",
                  mac: "637edc6e01dce7e6742a99451aae82df23da3e92439e590e43e761b33e910fb8"),
        MACVector(name: "RFC 4868 §2.7.2 AUTH512-2",
                  key:
                    "4a6566654a6566654a6566654a6566654a6566654a6566654a6566654a656665" +
                    "4a6566654a6566654a6566654a6566654a6566654a6566654a6566654a656665",
                  data: "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
                  mac: "cb370917ae8a7ce28cfd1d8f4705d6141c173b2a9362c15df235dfb251b15454"),
        MACVector(name: "RFC 4868 §2.7.2 AUTH512-3",
                  key:
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                  data:
                    "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd" +
                    "dddddddddddddddddddddddddddddddddddd",
                  mac: "2ee7acd783624ca9398710f3ee05ae41b9f9b0510c87e49e586cc9bf961733d8"),
    ]

    /// RFC 4868 §2.7.1: PRF-HMAC-SHA-512 test cases (the 4-byte-key case omitted).
    static let rfc4868PRFSHA512: [MACVector] = [
        MACVector(name: "RFC 4868 §2.7.1 PRF-1 (SHA-512)",
                  key: "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
                  data: "4869205468657265",
                  mac:
                    "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde" +
                    "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"),
        MACVector(name: "RFC 4868 §2.7.1 PRF-3 (SHA-512)",
                  key: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                  data:
                    "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd" +
                    "dddddddddddddddddddddddddddddddddddd",
                  mac:
                    "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39" +
                    "bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb"),
        MACVector(name: "RFC 4868 §2.7.1 PRF-4 (SHA-512)",
                  key: "0102030405060708090a0b0c0d0e0f10111213141516171819",
                  data:
                    "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd" +
                    "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
                  mac:
                    "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3db" +
                    "a91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd"),
        MACVector(name: "RFC 4868 §2.7.1 PRF-5 (SHA-512)",
                  key:
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaa",
                  data:
                    "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a" +
                    "65204b6579202d2048617368204b6579204669727374",
                  mac:
                    "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352" +
                    "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"),
        MACVector(name: "RFC 4868 §2.7.1 PRF-6 (SHA-512)",
                  key:
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
                    "aaaaaa",
                  data:
                    "5468697320697320612074657374207573696e672061206c6172676572207468" +
                    "616e20626c6f636b2d73697a65206b657920616e642061206c61726765722074" +
                    "68616e20626c6f636b2d73697a6520646174612e20546865206b6579206e6565" +
                    "647320746f20626520686173686564206265666f7265206265696e6720757365" +
                    "642062792074686520484d414320616c676f726974686d2e",
                  mac:
                    "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944" +
                    "b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58"),
    ]

    /// RFC 2202 §3 test case 1 truncated to 96 bits (HMAC-SHA1-96, RFC 2404 §3).
    static let rfc2202SHA1_96: [MACVector] = [
        MACVector(name: "RFC 2202 §3 test case 1, 96-bit",
                  key: "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
                  data: "4869205468657265",
                  mac: "b617318655057264e28bc0b6"),
    ]

}
