import Foundation

/// Who is making a request, resolved and checked by the API's authentication middleware: the user,
/// the organization the credentials are scoped to, the role held there, and how they authenticated.
public struct Principal: Equatable, Sendable {
    public enum Credential: Equatable, Sendable {
        /// A bearer access token of this login family.
        case bearer(familyID: UUID)
        /// A browser session cookie (CSRF-checked on unsafe methods).
        case session(tokenHash: String)
    }

    public let userID: UUID
    public let email: String
    public let organizationID: UUID?
    /// The role in `organizationID`; nil when the user belongs to no organization.
    public let role: Role?
    public let credential: Credential
    /// Whether the organization's subscription allows premium features, as of this request.
    public let premiumAllowed: Bool
    /// The organization requires a second factor and the user has none: only the profile and the
    /// factor's enrollment are open (the API enforces it for every path).
    public let secondFactorMissing: Bool

    public init(
        userID: UUID,
        email: String,
        organizationID: UUID?,
        role: Role?,
        credential: Credential,
        premiumAllowed: Bool = false,
        secondFactorMissing: Bool = false
    ) {
        self.userID = userID
        self.email = email
        self.organizationID = organizationID
        self.role = role
        self.credential = credential
        self.premiumAllowed = premiumAllowed
        self.secondFactorMissing = secondFactorMissing
    }

    /// The caller's organization, for endpoints about "the current organization". Without one
    /// there is nothing to show: 404, as for any resource outside the caller's organizations.
    public func organization() throws -> UUID {
        guard let organizationID else { throw NotFound(.organization) }
        return organizationID
    }

    /// Checks the role matrix for `action` in the caller's organization (403 when the role may not),
    /// then, for premium actions, the subscription (402).
    public func authorize(_ action: Action) throws {
        guard let role else { throw NotFound(.membership) }
        guard role.allows(action) else { throw IdentityError.permissionDenied }
        if action.isPremium && !premiumAllowed { throw IdentityError.paymentRequired }
    }
}
