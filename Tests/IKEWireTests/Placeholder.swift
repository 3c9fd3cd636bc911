import Testing
@testable import IKEWire
