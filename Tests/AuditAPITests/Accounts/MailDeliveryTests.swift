import Core
import Foundation
import TestSupport
import Testing

/// The outbox through the queue: a 4xx retries, a 5xx for the recipient fails at once, a worker
/// killed mid-send leaves the row for the next worker.
@Suite("Mail delivery")
struct MailDeliveryTests {
    @Test func a451IsRetriedUntilTheServerTakesTheMessage() async throws {
        try await MailBed.run { bed in
            bed.smtp.reply(toNext: 2, withCode: 451, message: "greylisted, try again later")
            let account = try await bed.api.register()
            let message = try #require(try await bed.smtp.waitForMessages(count: 1, timeout: .seconds(60)).first)
            #expect(message.recipients == [account.email])
            #expect(bed.smtp.deliveryAttempts == 3)
            try await eventually { try await bed.outbox(account.email).first?.status == "SENT" }
            let row = try #require(try await bed.outbox(account.email).first)
            #expect(row.attempts == 3)
            #expect(!row.token)
        }
    }

    @Test func a550ForTheRecipientFailsTheRowAtOnce() async throws {
        try await MailBed.run { bed in
            let address = "gone-\(UUID().uuidString.prefix(6).lowercased())@example.com"
            bed.smtp.reject(recipient: address, code: 550, message: "no such user here")
            _ = try await bed.api.register(email: address)
            try await eventually { try await bed.outbox(address).first?.status == "FAILED" }
            try await Task.sleep(for: .seconds(3))
            let row = try #require(try await bed.outbox(address).first)
            #expect(row.status == "FAILED")
            #expect(row.attempts == 1, "not retried")
            #expect(row.lastError?.contains("550") == true, "\(row.lastError ?? "")")
            #expect(!row.token, "a failed row keeps no token either")
            #expect(bed.smtp.messages.isEmpty)
        }
    }

    @Test func aWorkerKilledWhileSendingLeavesTheRowToTheNextWorker() async throws {
        try await MailBed.run(worker: false, visibilityTimeout: 3) { bed in
            bed.smtp.pauseBeforeAccepting()
            let account = try await bed.api.register()
            let first = try await MailBed.startWorker(environment: bed.workerEnvironment, queue: bed.queue)
            try await eventually(timeout: .seconds(30)) { bed.smtp.pausedDeliveries == 1 }
            first.signal(SIGKILL)
            _ = try await first.waitForExit()
            bed.smtp.resume()
            #expect(try await bed.outbox(account.email).first?.status == "PENDING", "the kill came before the row said SENT")

            try await withChildProcess(try await MailBed.startWorker(environment: bed.workerEnvironment, queue: bed.queue)) { _ in
                try await eventually(timeout: .seconds(45)) { try await bed.outbox(account.email).first?.status == "SENT" }
            }
            // At least once: the server may have the message twice, with one Message-ID.
            let received = bed.smtp.messages
            #expect(!received.isEmpty)
            #expect(Set(received.compactMap { $0.header("Message-ID") }).count == 1)
        }
    }
}
