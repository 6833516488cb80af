import ArgumentParser
import Core

extension AuditWorkerCommand {
    struct Dead: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Dead-letter lists: list, requeue or purge the messages that failed for good.",
            subcommands: [List.self, Requeue.self, Purge.self]
        )

        struct QueueOption: ParsableArguments {
            @Option(help: "The queue whose dead letters to act on.")
            var queue: String
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Print the dead letters of a queue, oldest first: time, task id and name, retries, [reason] and error."
            )
            @OptionGroup var options: QueueOption
            @Option(help: "At most this many (the newest).")
            var limit: Int = 100

            func run() async throws {
                let config = Startup.configuration()
                await Startup.run {
                    try await QueueAdmin.with(config: config) { broker in
                        let letters = try await broker.deadLetters(queue: options.queue, limit: limit)
                        print("\(letters.count) dead letter(s) in \(options.queue)")
                        for (entry, letter) in letters {
                            guard let letter else {
                                print("  unreadable entry: \(String(decoding: entry.prefix(200), as: UTF8.self))")
                                continue
                            }
                            let identity = letter.taskID.map { "\($0) \(letter.taskName ?? "?")" } ?? "(no task id)"
                            let retries = letter.envelope.map { " retries=\($0.retries)" } ?? ""
                            let reason = letter.reason.map { " [\($0.rawValue)]" } ?? ""
                            print("  \(letter.failedAt) \(identity)\(retries)\(reason): \(letter.error)")
                        }
                    }
                }
            }
        }

        struct Requeue: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Put a queue's dead letters back on it as fresh runs.")
            @OptionGroup var options: QueueOption

            func run() async throws {
                let config = Startup.configuration()
                await Startup.run {
                    let moved = try await QueueAdmin.with(config: config) { try await $0.requeueDeadLetters(queue: options.queue) }
                    print("requeued \(moved) message(s) onto \(options.queue)")
                }
            }
        }

        struct Purge: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Delete a queue's dead letters.")
            @OptionGroup var options: QueueOption

            func run() async throws {
                let config = Startup.configuration()
                await Startup.run {
                    let removed = try await QueueAdmin.with(config: config) { try await $0.purgeDeadLetters(queue: options.queue) }
                    print("purged \(removed) dead letter(s) from \(options.queue)")
                }
            }
        }
    }
}
