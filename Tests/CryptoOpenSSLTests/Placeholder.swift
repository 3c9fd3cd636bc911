import Testing
@testable import CryptoOpenSSL
