import Core
import Foundation

/// The Server-Sent Events of one audit: `progress` whenever it advances, one final `status`, then
/// the end of the stream. Woken by the event hub (any replica's scan), and by a timer as well, so
/// a missed notification only delays an update; the timer also sends keep-alive comments.
///
/// A stream can stay open for as long as a scan runs, so its caller is authorized again every
/// `reauthorizeEvery`: a revoked login, a deactivated account or a membership that ended closes it
/// (with a final `error` event). It holds one of the user's stream slots until it ends.
struct AuditEventStream: Sendable {
    let audits: AuditService
    let hub: AuditEventHub
    let identity: IdentityService
    let slots: EventStreamSlots
    let slot: EventStreamSlots.Slot
    let principal: Principal
    let first: Audit
    var tick: Duration = .seconds(2)
    var keepAlive: Duration = .seconds(15)
    var reauthorizeEvery: Duration = .seconds(10)

    func bytes() -> AsyncStream<ArraySlice<UInt8>> {
        AsyncStream { continuation in
            let task = Task {
                await run { continuation.yield(ArraySlice($0.utf8)) }
                await slots.release(slot)
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    private func run(_ send: @Sendable (String) -> Void) async {
        let (wakeups, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let changes = hub.changes(of: first.id)
        let forwarder = Task {
            for await _ in changes { wake.yield() }
        }
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: tick)
                wake.yield()
            }
        }
        defer {
            forwarder.cancel()
            ticker.cancel()
        }
        var audit = first
        var caller = principal
        var sentDone = -1
        var lastSend = ContinuousClock.now
        var lastAuthorized = ContinuousClock.now
        send("retry: 3000\n\n")
        var iterator = wakeups.makeAsyncIterator()
        while !Task.isCancelled {
            if audit.progressDone != sentDone || sentDone < 0 {
                send(Self.event("progress", ["done": audit.progressDone, "total": audit.progressTotal, "status": audit.status.rawValue]))
                sentDone = audit.progressDone
                lastSend = .now
            }
            if audit.status.isFinished {
                send(Self.event("status", Self.summary(audit)))
                return
            }
            if ContinuousClock.now - lastSend > keepAlive {
                send(": keep-alive\n\n")
                lastSend = .now
            }
            guard await iterator.next() != nil else { return }
            if ContinuousClock.now - lastAuthorized >= reauthorizeEvery {
                do {
                    guard let current = try await identity.reauthorize(caller) else {
                        send(Self.event("error", ["detail": "The login for this stream is no longer valid."]))
                        return
                    }
                    caller = current
                    lastAuthorized = .now
                    await slots.renew(slot)
                } catch {
                    // The database briefly away: the stream stays, and the next tick checks again.
                }
            }
            guard let latest = try? await audits.audit(caller, id: first.id) else { return }
            audit = latest
        }
    }

    static func event(_ name: String, _ data: [String: Any]) -> String {
        let json = (try? JSONSerialization.data(withJSONObject: data, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return "event: \(name)\ndata: \(String(decoding: json, as: UTF8.self))\n\n"
    }

    static func summary(_ audit: Audit) -> [String: Any] {
        [
            "id": audit.id.apiString,
            "status": audit.status.rawValue,
            "score": audit.score.map { $0 as Any } ?? NSNull(),
            "summary": [
                "passed": audit.summary.passed, "failed": audit.summary.failed, "errors": audit.summary.errors,
                "not_applicable": audit.summary.notApplicable,
            ],
            "progress": ["done": audit.progressDone, "total": audit.progressTotal],
            "evidence_digest": audit.evidenceDigest ?? NSNull(),
            "error": audit.error ?? NSNull(),
            "finished_at": audit.finishedAt.map { $0.formatted(.iso8601) as Any } ?? NSNull(),
        ]
    }
}
