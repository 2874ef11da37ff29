// The Swift mirror of bindings/kotlin's tests: the API, the shared recordings against
// dmoe-replay, the advisor's rungs, and one session used from two threads.

import Foundation
import XCTest
@testable import Dmoe

private func ladder() -> [HostRendition] {
    [800, 2400, 6000].map { kbps in
        HostRendition(
            bandwidthBps: UInt64(kbps * 1000), averageBandwidthBps: nil, width: 1280, height: 720,
            frameRate: nil, codecs: "avc1.64001f,mp4a.40.2",
            url: "https://cdn.example/\(kbps)/index.m3u8", pathway: nil
        )
    }
}

private func segments(_ rendition: UInt32, count: Int = 5) -> HostSegments {
    HostSegments(
        ended: true, targetDuration: 4, inits: [],
        segments: (0..<count).map { n in
            HostSegment(
                number: UInt64(n), start: TimeInterval(4 * n), duration: 4,
                url: "https://cdn.example/r\(rendition)/\(n).m4s",
                byteRange: ByteRange(start: 0, length: 400_000), init: nil
            )
        }
    )
}

/// The decisions dmoe-replay printed for a recording (DMOE_EXPECTED_DIR, or target/).
private func expected(_ name: String) throws -> [String] {
    let dir = ProcessInfo.processInfo.environment["DMOE_EXPECTED_DIR"].map { URL(fileURLWithPath: $0) }
        ?? repositoryRoot.appendingPathComponent("target")
    let file = dir.appendingPathComponent("replay-\(name)-rust.jsonl")
    guard let text = try? String(contentsOf: file, encoding: .utf8) else {
        throw XCTSkip("no native outputs at \(file.path): run target/release/dmoe-replay --all first")
    }
    return text.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
}

final class DmoeSessionTests: XCTestCase {
    func testAnAgentFetchesAndReportsTyped() throws {
        let s = try DmoeSession.agent(config: #"{"seed": 5}"#)
        XCTAssertFalse(s.isAdvisor)
        XCTAssertEqual(s.seed, 5)
        XCTAssertEqual(s.sessionId.count, 36)
        try s.handle(at: 0, .ladderLoaded(url: "https://cdn.example/master.m3u8", renditions: ladder()))
        var wanted: UInt32?
        for case let .loadPlaylist(rendition, _, _) in try s.drain() { wanted = rendition }
        let r = try XCTUnwrap(wanted)
        try s.handle(at: 0.02, .segmentsLoaded(rendition: r, segments: segments(r)))
        var fetch: FetchRequest?
        for case let .fetch(request) in try s.drain() { fetch = request }
        let f = try XCTUnwrap(fetch)
        XCTAssertEqual(f.kind, .media)
        XCTAssertEqual(f.duration, 4, accuracy: 1e-9)
        XCTAssertTrue(f.url.hasPrefix("https://cdn.example/"))
        try s.handle(at: 0.03, .requestStarted(id: f.id))
        _ = try s.drain()
        try s.handle(at: 0.4, .requestCompleted(id: f.id, bytes: 400_000, ttfb: 0.08, cmsdStatic: nil, cmsdDynamic: nil))
        let after = try s.drain()
        XCTAssertTrue(after.allSatisfy { (try? $0.json())?.hasPrefix("{\"type\":") == true })
        XCTAssertTrue(s.report().hasPrefix("{"))
        XCTAssertGreaterThan(s.qoe().avgBitrateBps, 0)
    }

    func testWrongUseIsATypedErrorAndChangesNothing() throws {
        let s = try DmoeSession.agent(config: #"{"seed": 2}"#)
        try s.handle(at: 0, .ladderLoaded(url: "https://cdn.example/master.m3u8", renditions: ladder()))
        XCTAssertThrowsError(try s.handle(at: 0.001, .tick)) { e in
            guard case DmoeError.OutputNotDrained = e else { return XCTFail("\(e)") }
        }
        _ = try s.drain()
        try s.handle(at: 0.01, .tick)
        _ = try s.drain()
        XCTAssertThrowsError(try s.handle(at: 0.005, .tick)) { e in
            guard case DmoeError.TimeWentBackwards = e else { return XCTFail("\(e)") }
        }
        XCTAssertThrowsError(try s.handle(at: -1, .tick)) { e in
            guard case DmoeError.InvalidValue = e else { return XCTFail("\(e)") }
        }
        XCTAssertThrowsError(try s.handle(at: 0.01, .seek(position: .nan))) { e in
            guard case DmoeError.InvalidValue = e else { return XCTFail("\(e)") }
        }
        XCTAssertThrowsError(try s.handle(at: 0.01, .adviceWanted(segmentDuration: nil, sizes: [], remaining: nil))) { e in
            guard case DmoeError.WrongSession = e else { return XCTFail("\(e)") }
        }
        XCTAssertNil(try s.poll())
    }

    func testARefusedConfigurationSaysWhy() {
        XCTAssertThrowsError(try DmoeSession.agent(config: #"{"abr": "nope"}"#)) { e in
            guard case let DmoeError.InvalidConfig(message) = e else { return XCTFail("\(e)") }
            XCTAssertTrue(message.contains("unknown abr"))
        }
    }

    func testTheRecordingsDecideAsRustDoes() throws {
        for (path, name) in [
            ("bindings/c/tests/session.jsonl", "session"),
            ("bindings/js/test/session-host.jsonl", "session-host"),
            ("bindings/c/tests/session-advisor.jsonl", "session-advisor"),
        ] {
            let want = try expected(name)
            let rec = try Recording(path: path)
            let got = try rec.replay(try rec.open())
            XCTAssertEqual(got.count, want.count, path)
            XCTAssertEqual(got, want, path)
        }
    }

    func testTheAdvisorAdvisesTheRungsRustAdvises() throws {
        let want = try expected("session-advisor").compactMap { line -> UInt32? in
            guard let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  o["type"] as? String == "advice" else { return nil }
            return (o["rendition"] as? NSNumber)?.uint32Value
        }
        let rec = try Recording(path: "bindings/c/tests/session-advisor.jsonl")
        let s = try rec.open()
        XCTAssertTrue(s.isAdvisor)
        var rungs: [UInt32] = []
        for (at, e) in rec.inputs {
            try s.handle(at: at, e)
            for case let .advice(advice) in try s.drain() { rungs.append(advice.rendition) }
        }
        XCTAssertEqual(rungs, want)
    }

    func testOneSessionFromTwoThreadsIsSafe() throws {
        let s = try DmoeSession.agent(config: #"{"seed": 9}"#)
        try s.handle(at: 0, .ladderLoaded(url: "https://cdn.example/master.m3u8", renditions: ladder()))
        _ = try s.drain()
        let lock = NSLock()
        var clock: UInt64 = 1
        var taken = 0
        var refused = 0
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            for _ in 0..<2000 {
                lock.lock(); let t = clock; clock += 1; lock.unlock()
                do {
                    try s.handle(at: TimeInterval(t) / 1_000_000, .tick)
                    _ = try s.drain()
                    lock.lock(); taken += 1; lock.unlock()
                } catch let e as DmoeError {
                    switch e {
                    case .OutputNotDrained, .TimeWentBackwards:
                        lock.lock(); refused += 1; lock.unlock()
                    default:
                        XCTFail("\(e)")
                    }
                } catch {
                    XCTFail("\(error)")
                }
            }
        }
        XCTAssertEqual(taken + refused, 4000)
        XCTAssertGreaterThan(taken, 0)
    }
}
