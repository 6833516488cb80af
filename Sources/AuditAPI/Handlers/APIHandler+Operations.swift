import Core
import OpenAPIRuntime

/// Tag `operations`: liveness, readiness and metrics.
extension APIHandler {
    func getHealthz(_ input: Operations.GetHealthz.Input) async throws -> Operations.GetHealthz.Output {
        .ok(.init(body: .json(.init(status: .ok))))
    }

    /// Names a failing dependency without its error text (which can carry host names, addresses and
    /// server messages): the reason goes to the log.
    func getReadyz(_ input: Operations.GetReadyz.Input) async throws -> Operations.GetReadyz.Output {
        let status = await infrastructure.probe()
        if !status.isReady {
            infrastructure.logger.warning(
                "not ready",
                metadata: ["postgres": "\(status.postgres ?? "ok")", "redis": "\(status.redis ?? "ok")"]
            )
        }
        let body = Components.Schemas.Readiness(
            status: status.isReady ? .ok : .unavailable,
            checks: .init(postgres: status.postgres == nil ? .ok : .unavailable, redis: status.redis == nil ? .ok : .unavailable),
            detail: status.isReady ? nil : status.failed.map { "\($0) unavailable" }.joined(separator: "; ")
        )
        return status.isReady ? .ok(.init(body: .json(body))) : .serviceUnavailable(.init(body: .json(body)))
    }

    func getMetrics(_ input: Operations.GetMetrics.Input) async throws -> Operations.GetMetrics.Output {
        guard servesMetrics else { throw APIError.notFound }
        return .ok(.init(body: .plainText(HTTPBody(metrics.emitToBuffer()))))
    }
}
