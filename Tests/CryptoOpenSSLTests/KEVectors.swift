// Generated from the published key-exchange test data; each entry names its source.

import IKECrypto

/// A two-party DH case: both private keys, both public values (wire format) and g^ir.
struct KEVector: Sendable {
    let name: String
    let group: DHGroup
    let privateI: String
    let publicI: String
    let privateR: String
    let publicR: String
    let shared: String
}

enum KEVectors {
    /// RFC 5903 §8.1-§8.3: i, g^i = (gix, giy), r, g^r = (grx, gry), g^ir x coordinate.
    static let ecp: [KEVector] = [
        KEVector(name: "RFC 5903 §8.1", group: .ecp256,
                 privateI: "c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433",
                 publicI: 
                 "dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c3772581180" +
                 "5271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3",
                 privateR: "c6ef9c5d78ae012a011164acb397ce2088685d8f06bf9be0b283ab46476bee53",
                 publicR: 
                 "d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63" +
                 "56fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab",
                 shared: "d6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de"),
        KEVector(name: "RFC 5903 §8.2", group: .ecp384,
                 privateI: 
                 "099f3c7034d4a2c699884d73a375a67f7624ef7c6b3c0f160647b67414dce655" +
                 "e35b538041e649ee3faef896783ab194",
                 publicI: 
                 "667842d7d180ac2cde6f74f37551f55755c7645c20ef73e31634fe72b4c55ee6" +
                 "de3ac808acb4bdb4c88732aee95f41aa9482ed1fc0eeb9cafc4984625ccfc23f" +
                 "65032149e0e144ada024181535a0f38eeb9fcff3c2c947dae69b4c634573a81c",
                 privateR: 
                 "41cb0779b4bdb85d47846725fbec3c9430fab46cc8dc5060855cc9bda0aa2942" +
                 "e0308312916b8ed2960e4bd55a7448fc",
                 publicR: 
                 "e558dbef53eecde3d3fccfc1aea08a89a987475d12fd950d83cfa41732bc509d" +
                 "0d1ac43a0336def96fda41d0774a3571dcfbec7aacf3196472169e838430367f" +
                 "66eebe3c6e70c416dd5f0c68759dd1fff83fa40142209dff5eaad96db9e6386c",
                 shared: 
                 "11187331c279962d93d604243fd592cb9d0a926f422e47187521287e7156c5c4" +
                 "d603135569b9e9d09cf5d4a270f59746"),
        KEVector(name: "RFC 5903 §8.3", group: .ecp521,
                 privateI: 
                 "0037ade9319a89f4dabdb3ef411aaccca5123c61acab57b5393dce47608172a0" +
                 "95aa85a30fe1c2952c6771d937ba9777f5957b2639bab072462f68c27a57382d" +
                 "4a52",
                 publicI: 
                 "0015417e84dbf28c0ad3c278713349dc7df153c897a1891bd98bab4357c9ecbe" +
                 "e1e3bf42e00b8e380aeae57c2d107564941885942af5a7f4601723c4195d176c" +
                 "ed3e017cae20b6641d2eeb695786d8c946146239d099e18e1d5a514c739d7cb4" +
                 "a10ad8a788015ac405d7799dc75e7b7d5b6cf2261a6a7f1507438bf01beb6ca3" +
                 "926f9582",
                 privateR: 
                 "0145ba99a847af43793fdd0e872e7cdfa16be30fdc780f97bccc3f078380201e" +
                 "9c677d600b343757a3bdbf2a3163e4c2f869cca7458aa4a4effc311f5cb15168" +
                 "5eb9",
                 publicR: 
                 "00d0b3975ac4b799f5bea16d5e13e9af971d5e9b984c9f39728b5e5739735a21" +
                 "9b97c356436adc6e95bb0352f6be64a6c2912d4ef2d0433ced2b6171640012d9" +
                 "460f015c68226383956e3bd066e797b623c27ce0eac2f551a10c2c724d985207" +
                 "7b87220b6536c5c408a1d2aebb8e86d678ae49cb57091f4732296579ab44fcd1" +
                 "7f0fc56a",
                 shared: 
                 "01144c7d79ae6956bc8edb8e7c787c4521cb086fa64407f97894e5e6b2d79b04" +
                 "d1427e73ca4baa240a34786859810c06b3c715a3a8cc3151f2bee417996d19f3" +
                 "ddea"),
    ]

    /// RFC 7748 §6.1 (Alice = i, Bob = r) and RFC 8031 Appendix A.
    static let x25519: [KEVector] = [
        KEVector(name: "RFC 7748 §6.1", group: .curve25519,
                 privateI: "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
                 publicI: "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
                 privateR: "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
                 publicR: "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
                 shared: "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"),
        KEVector(name: "RFC 8031 Appendix A", group: .curve25519,
                 privateI: "751fb4308655b476b6789b7325f9ea8cddd16a58533ff6d9e60009464a5f9d94",
                 publicI: "48d5ddd4061257ba166fa3f9bbdb74f1a4e81c089384fa77f790709f0dfbc766",
                 privateR: "0a54645253290d60ddadd0e030bacd9e5501efdc220755a1e978f1b839a05688",
                 publicR: "0be7c1f5aad87d7e448662673298a443478b859745179eaf564c79c0ef6eee25",
                 shared: "c74950607a12327f3204d94b6825bfb068b7f8319a9e3708ed3d43ce8130c950"),
    ]

    /// RFC 5114 Appendix A.1-A.3, the MODP groups with a prime-order subgroup (IKE groups 22,
    /// 23, 24): xA, yA = party A = initiator, xB, yB = party B = responder, Z = g^ir.
    static let rfc5114 = [
        KEVector(name: "RFC 5114 Appendix A.1", group: .modp1024s160,
                 privateI: "b9a3b3ae8fefc1a2930496507086f8455d48943e",
                 publicI: 
                 "2a853b3d92197501b9015b2deb3ed84f5e021dcc3e52f109d3273d2b7521281c" +
                 "babe0e76ff5727fa8acce26956ba9a1fca26f20228d8693feb10841d84a73600" +
                 "54ece5a7f5b7a61ad3dfb3c60d2e43106d8727da37df9cce95b478755d06bcea" +
                 "8f9d45965f75a5f3d1df3701165fc9e50c4279ceb07f989540ae96d5d88ed776",
                 privateR: "9392c9f9eb6a7a6a9022f7d83e7223c6835bbdda",
                 publicR: 
                 "717a6cb053371ff4a3b932941c1e5663f861a1d6ad34ae66576dfb98f6c6cbf9" +
                 "ddd5a56c7833f6bcfdff095582ad868e440e8d09fd769e3ceccdc3d3b1e4cfa0" +
                 "57776caaf9739b6a9fee8e7411f8d6dac09d6a4edb46cc2b5d5203090eae6126" +
                 "311e53fd2c14b574e6a3109a3da1be41bdceaa186f5ce06716a2b6a07b3c33fe",
                 shared: 
                 "5c804f454d30d9c4df85271f93528c91df6b48ab5f80b3b59caac1b28f8acba9" +
                 "cd3e39f3cb614525d9521d2e644c53b807b810f340062f257d7d6fbfe8d5e8f0" +
                 "72e9b6e9afda9413eafb2e8b0699b1fb5a0caceddeaead7e9cfbb36ae2b42083" +
                 "5bd83a19fb0b5e96bf8fa4d09e345525167ecd9155416f46f408ed31b63c6e6d"),
        KEVector(name: "RFC 5114 Appendix A.2", group: .modp2048s224,
                 privateI: "22e62601dbffd06708a680f747f361f76d8f4f721a0548e483294b0c",
                 publicI: 
                 "1b3a63451bd886e699e67b494e288bd7f8e0d370badda7a0efd2fde7d8f66145" +
                 "cc9f280419975eb808877c8a4c0c8e0bd48d4a5401eb1e8776bfeee134c03831" +
                 "ac273cd9d635ab0ce006a42a887e3f52fb8766b650f38078bc8ee8580cefe243" +
                 "968cfc4f8dc3db084554171d41bf2e861b7bb4d69dd0e01ea387cbaa5ca672af" +
                 "cbe8bdb9d62d4ce15f17dd36f91ed1eedd65ca4a06455cb94cd40a52ec360e84" +
                 "b3c926e22c4380a3bf309d56849768b7f52cfdf655fd053a7ef706979e7e5806" +
                 "b17dfae53ad2a5bc568ebb529a7a61d68d256f8fc97c074a861d827e2ebc8c61" +
                 "34553115b70e7103920aa16d85e52bcbab8d786a68178fa8ff7c2f5c71648d6f",
                 privateR: "4ff3bc96c7fc6a6d71d3b363800a7cdfef6fc41b4417ea15353b7590",
                 publicR: 
                 "4dcee992a9762a13f2f83844ad3d77ee0e31c9718b3db6c2035d3961182c3e0b" +
                 "a247ec4182d760cd48d99599970622a1881bba2dc822939c78c3912c6661fa54" +
                 "38b20766222b75e24c2e3ad0c7287236129525ee15b5dd7998aa04c4a9696cac" +
                 "d7172083a97a81664ead2c479e444e4c0654cc19e28d7703cee8dacd6126f5d6" +
                 "65ec52c67255db92014b037eb621a2ac8e365de071ffc1400acf077a12913dd8" +
                 "de89473437ab7ba346743c1b215dd9c12164a7e4053118d199bec8ef6fc56117" +
                 "0c84c87d10ee9a674a1fa8ffe13bdfba1d44de48946d68dc0cdd777635a7ab5b" +
                 "fb1e4bb7b856f96827734c184138e915d9c3002ebce53120546a7e2002142b6c",
                 shared: 
                 "34d9bddc1b42176c313fea034c21034d074a6313bb4ecdb3703fff424567a46b" +
                 "df75530ede0a9da5229de7d76732286cbc0f91da4c3c852fc099c679531d94c7" +
                 "8ab03d9decb0a4e4ca8b2bb4591c4021cf8ce3a20a541d33994017d0200ae2c9" +
                 "516e2ff5145779269e862b0fb474a2d56dc31ed569a7700b4c4ab16b22a45513" +
                 "531ef523d71212077b5a169bdeffad7ad9608284c7795b6d5a5183b87066de17" +
                 "d8d671c9ebd8ec89544d45ec061593d442c62ab9ce3b1cb9943a1d23a5ea3bcf" +
                 "21a01471e67e003e7f8a69c728be490b2fc88cfeb92db6a215e5d03c17c464c9" +
                 "ac1a46e203e13f952995fb03c69d3cc47fcb510b6998ffd3aa6de73cf9f63869"),
        KEVector(name: "RFC 5114 Appendix A.3", group: .modp2048s256,
                 privateI: "0881382cdb87660c6dc13e614938d5b9c8b2f248581cc5e31b35454397fce50e",
                 publicI: 
                 "2e9380c8323af97545bc4941deb0ec3742c62fe0ece824a6abdbe66c59bee024" +
                 "2911bfb967235ceba35ae13e4ec752be630b92dc4bde2847a9c62cb815274542" +
                 "1fb7eb60a63c0fe9159fcce726ce7cd8523d7450667ef840e4919121eb5f01c8" +
                 "c9b0d3d648a93bfb75689e8244ac134af544711ce79a02dcc34226684780dddc" +
                 "b498594106c37f5bc79856487af5ab022a2e5e42f09897c1a85a11ea0212af04" +
                 "d9b4cebc937c3c1a3e15a8a0342e337615c84e7fe3b8b9b87fb1e73a15af12a3" +
                 "0d746e06dfc34f290d797ce51aa13aa785bf6658aff5e4b093003cbeaf665b3c" +
                 "2e113a3a4e905269341dc0711426685f4ef37e868a8126ff3f2279b57ca67e29",
                 privateR: "7d62a7e3ef36de617b13d1afb82c780d83a23bd4ee6705645121f371f546a53d",
                 publicR: 
                 "575f0351bd2b1b817448bdf87a6c362c1e289d3903a30b9832c5741fa250363e" +
                 "7acbc7f77f3dacbc1f131add8e03367eff8fbbb3e1c5784424809b25afe4d226" +
                 "2a1a6fd2fab64105ca30a674e07f7809852088632fc049233791ad4edd083a97" +
                 "8b883ee618bc5e0dd047415f2d95e683cf14826b5fbe10d3ce41c6c120c78ab2" +
                 "0008c698bf7f0bcab9d7f407bed0f43afb2970f57f8d12043963e66ddd320d59" +
                 "9ad9936c8f44137c08b180ec5e985cebe186f3d549677e80607331ee17af3380" +
                 "a725b0782317d7dd43f59d7af9568a9bb63a84d365f92244ed120988219302f4" +
                 "2924c7ca90b89d24f71b0ab697823d7deb1aff5b0e8e4a45d49f7f53757e1913",
                 shared: 
                 "86c70bf8d0bb81bb01078a17219cb7d27203db2a19c877f1d1f19fd7d77ef225" +
                 "46a68f005ad52dc84553b78fc60330be51ea7c0672cac1515e4b35c047b9a551" +
                 "b88f39dc26da14a09ef74774d47c762dd177f9ed5bc2f11e52c879bd95098504" +
                 "cd9eecd8a8f9b3efbd1f008ac5853097d9d1837f2b18f77cd7be01af80a7c7b5" +
                 "ea3ca54cc02d0c116fee3f95bb87399385875d7e86747e676e728938acbff709" +
                 "8e05be4dcfb24052b83aeffb14783f029adbde7f53fae92084224090e007cee9" +
                 "4d4bf2bace9ffd4b57d2af7c724d0caa19bf0501f6f17b4aa10f425e3ea76080" +
                 "b4b9d6b3cefea115b2ceb8789bb8a3b0ea87febe63b6c8f846ec6db0c26c5d7c"),
    ]
}
