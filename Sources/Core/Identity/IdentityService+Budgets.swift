import Foundation

extension IdentityService {
    /// Counts a call to `endpoint` against the caller's address, the budget every authentication
    /// endpoint shares (`AuthenticationEndpoint`).
    func spendAuthenticationBudget(_ endpoint: AuthenticationEndpoint, ip: String) async throws(IdentityError) {
        try await spend(.authentication(ip: ip))
    }

    /// Counts one request against `budget`; throws `throttled` once it is spent for this window.
    func spend(_ budget: RequestBudget) async throws(IdentityError) {
        try await throttle.spend(budget.key, limit: budget.limit)
    }

    /// Takes one unit of `budget` before an expensive check, to be released when the check passes.
    func reserve(_ budget: RequestBudget) async throws(IdentityError) -> Throttle.Reservation {
        try await throttle.reserve(budget.key, limit: budget.limit)
    }
}
