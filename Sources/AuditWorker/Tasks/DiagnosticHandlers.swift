import Core

extension Handlers {
    /// The `diagnostics` queue's tasks (see `DiagnosticTasks` in Core).
    static let diagnostics: [RegisteredTask] = [
        .payload(DiagnosticTasks.RecordExecution.self) { payload, context in
            try await payload.perform(using: context.infrastructure)
            return nil
        },
        .payload(DiagnosticTasks.Sleep.self) { payload, context in
            try await payload.perform(using: context.infrastructure)
            return "slept"
        },
        .payload(DiagnosticTasks.Fail.self) { payload, context in
            .int(try await payload.perform(using: context.infrastructure))
        },
        RegisteredTask(
            declaration: DiagnosticTasks.Echo.declaration,
            run: { body, _ in DiagnosticTasks.Echo.result(of: body) },
            recordFailure: { _, _, _ in }
        ),
    ]
}
