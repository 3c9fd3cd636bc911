// Generated from the published test cases; each entry names its source. Hex is lowercase.

/// An AEAD case in IKE/ESP form: keying material = key ‖ 4-byte salt, IV = 8 bytes,
/// sealed = ciphertext ‖ tag.
struct AEADVector: Sendable {
    let name: String
    let keyMaterial: String
    let iv: String
    let aad: String
    let plaintext: String
    let sealed: String
    let tagSize: Int
}

/// A CBC case without padding.
struct CBCVector: Sendable {
    let name: String
    let key: String
    let iv: String
    let plaintext: String
    let ciphertext: String
}

enum CipherVectors {
    /// McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)" (rev. 2005), Appendix B
    /// test cases 2, 3, 4 (AES-128) and 14, 15, 16 (AES-256); the 12-byte IV is split into
    /// salt (first 4 bytes) and IV (last 8) as RFC 4106 §4 does. Test case 3 also appears with
    /// its tag truncated to 8 and 12 bytes (RFC 4106 §8.1: the leftmost tag octets).
    static let gcm: [AEADVector] = [
        AEADVector(name: "GCM test case 2",
                   keyMaterial: "0000000000000000000000000000000000000000",
                   iv: "0000000000000000",
                   aad: "",
                   plaintext: "00000000000000000000000000000000",
                   sealed: "0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf",
                   tagSize: 16),
        AEADVector(name: "GCM test case 3, tag 8",
                   keyMaterial: "feffe9928665731c6d6a8f9467308308cafebabe",
                   iv: "facedbaddecaf888",
                   aad: "",
                   plaintext:
                       "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72" +
                       "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
                   sealed:
                       "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e" +
                       "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985" +
                       "4d5c2af327cd64a6",
                   tagSize: 8),
        AEADVector(name: "GCM test case 3, tag 12",
                   keyMaterial: "feffe9928665731c6d6a8f9467308308cafebabe",
                   iv: "facedbaddecaf888",
                   aad: "",
                   plaintext:
                       "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72" +
                       "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
                   sealed:
                       "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e" +
                       "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985" +
                       "4d5c2af327cd64a62cf35abd",
                   tagSize: 12),
        AEADVector(name: "GCM test case 3",
                   keyMaterial: "feffe9928665731c6d6a8f9467308308cafebabe",
                   iv: "facedbaddecaf888",
                   aad: "",
                   plaintext:
                       "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72" +
                       "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
                   sealed:
                       "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e" +
                       "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985" +
                       "4d5c2af327cd64a62cf35abd2ba6fab4",
                   tagSize: 16),
        AEADVector(name: "GCM test case 4",
                   keyMaterial: "feffe9928665731c6d6a8f9467308308cafebabe",
                   iv: "facedbaddecaf888",
                   aad: "feedfacedeadbeeffeedfacedeadbeefabaddad2",
                   plaintext:
                       "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72" +
                       "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
                   sealed:
                       "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e" +
                       "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e0915bc94fbc" +
                       "3221a5db94fae95ae7121a47",
                   tagSize: 16),
        AEADVector(name: "GCM test case 14",
                   keyMaterial:
                       "0000000000000000000000000000000000000000000000000000000000000000" +
                       "00000000",
                   iv: "0000000000000000",
                   aad: "",
                   plaintext: "00000000000000000000000000000000",
                   sealed: "cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919",
                   tagSize: 16),
        AEADVector(name: "GCM test case 15",
                   keyMaterial:
                       "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308" +
                       "cafebabe",
                   iv: "facedbaddecaf888",
                   aad: "",
                   plaintext:
                       "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72" +
                       "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
                   sealed:
                       "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa" +
                       "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad" +
                       "b094dac5d93471bdec1a502270e3cc6c",
                   tagSize: 16),
        AEADVector(name: "GCM test case 16",
                   keyMaterial:
                       "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308" +
                       "cafebabe",
                   iv: "facedbaddecaf888",
                   aad: "feedfacedeadbeeffeedfacedeadbeefabaddad2",
                   plaintext:
                       "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72" +
                       "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
                   sealed:
                       "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa" +
                       "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f66276fc6ece" +
                       "0f4e1768cddf8853bb2d551b",
                   tagSize: 16),
    ]

    /// RFC 8439 §2.8.2: AEAD_CHACHA20_POLY1305 example; nonce 07000000 ‖ 4041424344454647,
    /// so salt 07000000 (RFC 7634 §2) and IV 4041424344454647.
    static let chacha20Poly1305 = [
        AEADVector(name: "RFC 8439 §2.8.2",
                   keyMaterial:
                       "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f" +
                       "07000000",
                   iv: "4041424344454647",
                   aad: "50515253c0c1c2c3c4c5c6c7",
                   plaintext:
                       "4c616469657320616e642047656e746c656d656e206f662074686520636c6173" +
                       "73206f66202739393a204966204920636f756c64206f6666657220796f75206f" +
                       "6e6c79206f6e652074697020666f7220746865206675747572652c2073756e73" +
                       "637265656e20776f756c642062652069742e",
                   sealed:
                       "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6" +
                       "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36" +
                       "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc" +
                       "3ff4def08e4b7a9de576d26586cec64b61161ae10b594f09e26a7e902ecbd060" +
                       "0691",
                   tagSize: 16),
    ]

    /// RFC 3602 §4 cases 1-3 (AES-128-CBC) and NIST SP 800-38A F.2.1, F.2.3, F.2.5
    /// (CBC-AES128/192/256.Encrypt).
    static let cbc: [CBCVector] = [
        CBCVector(name: "RFC 3602 §4 case 1",
                  key: "06a9214036b8a15b512e03d534120006",
                  iv: "3dafba429d9eb430b422da802c9fac41",
                  plaintext: "53696e676c6520626c6f636b206d7367",
                  ciphertext: "e353779c1079aeb82708942dbe77181a"),
        CBCVector(name: "RFC 3602 §4 case 2",
                  key: "c286696d887c9aa0611bbb3e2025a45a",
                  iv: "562e17996d093d28ddb3ba695a2e6f58",
                  plaintext: "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
                  ciphertext: "d296cd94c2cccf8a3a863028b5e1dc0a7586602d253cfff91b8266bea6d61ab1"),
        CBCVector(name: "RFC 3602 §4 case 3",
                  key: "56e47a38c5598974bc46903dba290349",
                  iv: "8ce82eefbea0da3c44699ed7db51b7d9",
                  plaintext:
                    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf" +
                    "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf",
                  ciphertext:
                    "c30e32ffedc0774e6aff6af0869f71aa0f3af07a9a31a9c684db207eb0ef8e4e" +
                    "35907aa632c3ffdf868bb7b29d3d46ad83ce9f9a102ee99d49a53e87f4c3da55"),
        CBCVector(name: "SP 800-38A F.2.1",
                  key: "2b7e151628aed2a6abf7158809cf4f3c",
                  iv: "000102030405060708090a0b0c0d0e0f",
                  plaintext:
                    "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51" +
                    "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710",
                  ciphertext:
                    "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2" +
                    "73bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7"),
        CBCVector(name: "SP 800-38A F.2.3",
                  key: "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b",
                  iv: "000102030405060708090a0b0c0d0e0f",
                  plaintext:
                    "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51" +
                    "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710",
                  ciphertext:
                    "4f021db243bc633d7178183a9fa071e8b4d9ada9ad7dedf4e5e738763f69145a" +
                    "571b242012fb7ae07fa9baac3df102e008b0e27988598881d920a9e64f5615cd"),
        CBCVector(name: "SP 800-38A F.2.5",
                  key: "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
                  iv: "000102030405060708090a0b0c0d0e0f",
                  plaintext:
                    "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51" +
                    "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710",
                  ciphertext:
                    "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d" +
                    "39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b"),
    ]
}
