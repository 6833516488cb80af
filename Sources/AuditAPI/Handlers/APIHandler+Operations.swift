import Core
import OpenAPIRuntime

/// Tag `operations`: liveness, readiness and metrics.
extension APIHandler {
    func getHealthz(_ input: Operations.GetHealthz.Input) async throws -> Operations.GetHealthz.Output {
        .ok(.init(body: .json(.init(status: .ok))))
    }

    func getReadyz(_ input: Operations.GetReadyz.Input) async throws -> Operations.GetReadyz.Output {
        let status = await infrastructure.probe()
        let body = Components.Schemas.Readiness(
            status: status.isReady ? .ok : .unavailable,
            checks: .init(postgres: status.postgres ?? "ok", redis: status.redis ?? "ok"),
            detail: status.isReady ? nil : status.failed.map { "\($0) unavailable" }.joined(separator: "; ")
        )
        return status.isReady ? .ok(.init(body: .json(body))) : .serviceUnavailable(.init(body: .json(body)))
    }

    func getMetrics(_ input: Operations.GetMetrics.Input) async throws -> Operations.GetMetrics.Output {
        .ok(.init(body: .plainText(HTTPBody(metrics.emitToBuffer()))))
    }
}
