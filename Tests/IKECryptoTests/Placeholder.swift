import Testing
@testable import IKECrypto
