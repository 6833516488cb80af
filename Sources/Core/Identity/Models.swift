import Foundation

/// A person who can log in.
public struct User: Equatable, Sendable {
    public let id: UUID
    public let email: String
    public let fullName: String
    public let isActive: Bool
    public let createdAt: Date
    /// The address was proved by a mailed token (verification, reset, an invitation's acceptance).
    public let emailVerified: Bool
    /// The user asked to be mailed when their account signs in from an address it never used.
    public let notifyNewLogin: Bool
}

/// A tenant: every customer-owned row belongs to one.
public struct Organization: Equatable, Sendable {
    public let id: UUID
    public let name: String
    public let slug: String
    public let subscriptionStatus: SubscriptionStatus
    public let trialEndsAt: Date?
    public let createdAt: Date
    /// Members without a second factor may only reach their profile and its enrollment.
    public let requireTwoFactor: Bool
}

/// One of a user's organizations with the role held there, as `users/me` lists them.
public struct OrganizationRole: Equatable, Sendable {
    public let organizationID: UUID
    public let name: String
    public let role: Role
}

/// A user as seen from an organization's member list.
public struct Member: Equatable, Sendable {
    public let userID: UUID
    public let email: String
    public let fullName: String
    public let role: Role
    public let joinedAt: Date
}

/// `users/me`: the user and the organizations they belong to.
public struct Profile: Equatable, Sendable {
    public let user: User
    public let organizations: [OrganizationRole]
    /// A confirmed second factor: logins need a code besides the password.
    public let twoFactorEnabled: Bool
}

/// An access and a refresh token issued together.
public struct TokenPair: Equatable, Sendable {
    public let access: String
    public let refresh: String
}
