import Testing
import LinuxNet
#if canImport(Glibc)
import Glibc
#endif

/// The daemon's epoll loop (LinuxNet/EventLoop) over a pipe: a registered descriptor is
/// reported while it has input (level-triggered), or while it is writable when asked, an
/// unregistered or closed one never, and a wait with nothing ready returns after its timeout.
@Suite struct EventLoopTests {
    func pipePair() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        return (fds[0], fds[1])
    }

    @Test func reportsReadableDescriptorsUntilTheyAreDrained() throws {
        let loop = try EventLoop()
        let p = try pipePair()
        defer { close(p.read); close(p.write) }
        #expect(loop.register(p.read))
        #expect(loop.register(p.read), "registering twice is harmless")
        #expect(loop.wait(timeout: .zero) == 0)
        var byte: UInt8 = 7
        #expect(write(p.write, &byte, 1) == 1)
        #expect(loop.wait(timeout: .seconds(1)) == 1)
        #expect(loop[0] == p.read)
        #expect(loop.wait(timeout: .zero) == 1, "level-triggered: still readable")
        #expect(read(p.read, &byte, 1) == 1)
        #expect(loop.wait(timeout: .zero) == 0)
    }

    @Test func forgetsUnregisteredDescriptors() throws {
        let loop = try EventLoop()
        let p = try pipePair()
        defer { close(p.read); close(p.write) }
        loop.register(p.read)
        var byte: UInt8 = 1
        #expect(write(p.write, &byte, 1) == 1)
        loop.unregister(p.read)
        #expect(loop.wait(timeout: .zero) == 0)
    }

    @Test func reportsWritabilityOnlyWhileAsked() throws {
        let loop = try EventLoop()
        let p = try pipePair()
        defer { close(p.read); close(p.write) }
        #expect(loop.register(p.write))
        #expect(loop.wait(timeout: .zero) == 0, "an empty pipe's write end has no input")
        loop.watch(p.write, writable: true)
        #expect(loop.wait(timeout: .zero) == 1)
        #expect(loop[0] == p.write)
        loop.watch(p.write, writable: false)
        #expect(loop.wait(timeout: .zero) == 0)
    }

    @Test func waitsForItsTimeout() throws {
        let loop = try EventLoop()
        let start = monotonicNow()
        #expect(loop.wait(timeout: .milliseconds(30)) == 0)
        #expect(monotonicNow() - start >= .milliseconds(30))
    }
}
