import Foundation

/// Fetches the GitHub requests of a scan, each URL once: checks that share a request (every
/// branch-protection check reads the same protection and rules) share its answer, including
/// concurrent askers. A spent primary rate limit stops the scan (`RateLimitReached`) rather than
/// turning every remaining check into an ERROR.
actor ScanFetcher {
    private let github: GitHubClient
    private let credential: GitHubCredential
    private var answers: [CheckRequest: Task<CheckAnswer, any Error>] = [:]
    private(set) var calls = 0

    init(github: GitHubClient, credential: GitHubCredential) {
        self.github = github
        self.credential = credential
    }

    struct RateLimitReached: Error {
        let retryAt: Date
    }

    func answer(_ request: CheckRequest) async throws -> CheckAnswer {
        if let existing = answers[request] { return try await existing.value }
        let (github, credential) = (self.github, self.credential)
        let task = Task { () async throws -> CheckAnswer in
            do throws(GitHubError) {
                if request.allPages {
                    return .success(try await github.getAllPages(request.path, credential: credential))
                }
                return .success([try await github.get(request.path, credential: credential)])
            } catch {
                if error.kind == .rateLimited { throw RateLimitReached(retryAt: error.retryAt ?? .now.addingTimeInterval(3600)) }
                return .failure(error)
            }
        }
        answers[request] = task
        calls += 1
        return try await task.value
    }

    /// The answers to all of `requests`, fetched concurrently.
    func answers(_ requests: [CheckRequest]) async throws -> [CheckRequest: CheckAnswer] {
        try await withThrowingTaskGroup(of: (CheckRequest, CheckAnswer).self) { group in
            for request in Set(requests) {
                group.addTask { (request, try await self.answer(request)) }
            }
            var result: [CheckRequest: CheckAnswer] = [:]
            for try await (request, answer) in group { result[request] = answer }
            return result
        }
    }

    /// Drops the answers only one repository needed, once its checks are done.
    func forget(_ requests: [CheckRequest]) {
        for request in requests { answers[request] = nil }
    }
}
