import Core
import Foundation

// Core's identity values in the shapes of openapi.yaml. UUIDs are shown lower-case, as Django does.

extension UUID {
    /// A path parameter as a UUID; anything else is an id that cannot exist here (404).
    init(pathParameter: String) throws {
        guard let id = UUID(uuidString: pathParameter) else { throw APIError.notFound }
        self = id
    }
}

extension Components.Schemas.Role {
    init(_ role: Role) {
        self = Components.Schemas.Role(rawValue: role.rawValue)!
    }

    var core: Role { Role(rawValue: rawValue)! }
}

extension Components.Schemas.UserProfile {
    init(_ profile: Profile) {
        self.init(
            id: profile.user.id.apiString,
            email: profile.user.email,
            fullName: profile.user.fullName,
            emailVerified: profile.user.emailVerified,
            notifyNewLogin: profile.user.notifyNewLogin,
            twoFactorEnabled: profile.twoFactorEnabled,
            organizations: profile.organizations.map {
                .init(id: $0.organizationID.apiString, name: $0.name, role: .init($0.role))
            }
        )
    }
}

extension Components.Schemas.Organization {
    init(_ organization: Core.Organization) {
        self.init(
            id: organization.id.apiString,
            name: organization.name,
            slug: organization.slug,
            subscriptionStatus: organization.subscriptionStatus.rawValue,
            createdAt: organization.createdAt,
            requireTwoFactor: organization.requireTwoFactor
        )
    }
}

extension Components.Schemas.TokenPair {
    init(_ pair: TokenPair) {
        self.init(access: pair.access, refresh: pair.refresh)
    }
}

extension Components.Schemas.Member {
    init(_ member: Core.Member) {
        self.init(
            userId: member.userID.apiString,
            email: member.email,
            fullName: member.fullName,
            role: .init(member.role),
            joinedAt: member.joinedAt
        )
    }
}

extension Components.Schemas.Invitation {
    init(_ invitation: Core.Invitation) {
        self.init(
            id: invitation.id.apiString,
            email: invitation.email,
            role: .init(invitation.role),
            status: StatusPayload(rawValue: invitation.status().rawValue)!,
            invitedBy: invitation.invitedBy?.apiString,
            createdAt: invitation.createdAt,
            expiresAt: invitation.expiresAt,
            acceptedAt: invitation.acceptedAt
        )
    }
}

extension Components.Schemas.AuditLogEntry {
    init(_ entry: AuditEntry) {
        let actor: ActorPayload? =
            if let system = entry.system {
                ActorPayload(value1: .init(_type: .system, id: nil, email: nil, name: system.rawValue))
            } else if let id = entry.actorID {
                ActorPayload(value1: .init(_type: .user, id: id.apiString, email: entry.actorEmail ?? "", name: entry.actorEmail ?? ""))
            } else {
                nil
            }
        self.init(
            id: entry.id,
            actor: actor,
            action: entry.action,
            targetType: entry.targetType,
            targetId: entry.targetID,
            ip: entry.ip,
            createdAt: entry.createdAt,
            metadata: .init(additionalProperties: entry.metadata)
        )
    }
}
