/// What happened, as `audit_log.action` spells it. The spellings are the wire contract of the
/// audit-log endpoint and of rows already stored: add cases, never rename one.
public enum AuditAction: String, Sendable, CaseIterable {
    case userRegistered = "user.registered"
    case userActivated = "user.activated"
    case userDeactivated = "user.deactivated"
    case passwordChanged = "password.changed"
    case loginSucceeded = "login.succeeded"
    case loginFailed = "login.failed"
    case sessionRevoked = "session.revoked"
    case tokenRevoked = "token.revoked"
    /// A spent refresh token was presented again: its family is revoked as stolen.
    case tokenReuseDetected = "token.reuse_detected"
    case emailVerificationSent = "email.verification_sent"
    case emailVerified = "email.verified"
    case emailChangeRequested = "email.change_requested"
    case twoFactorEnabled = "two_factor.enabled"
    case twoFactorDisabled = "two_factor.disabled"
    case passwordResetRequested = "password.reset_requested"
    case passwordReset = "password.reset"
    /// An invitation's holder took over an account that had never proved its address.
    case accountTakenOver = "account.taken_over"

    case organizationUpdated = "organization.updated"
    case memberRoleChanged = "member.role_changed"
    case memberRemoved = "member.removed"
    case invitationCreated = "invitation.created"
    case invitationRevoked = "invitation.revoked"
    case invitationAccepted = "invitation.accepted"

    case integrationConnected = "integration.connected"
    case integrationRemoved = "integration.removed"

    case checkoutStarted = "billing.checkout_started"
    case subscriptionUpdated = "subscription.updated"

    case scheduleCreated = "schedule.created"
    case scheduleUpdated = "schedule.updated"
    case scheduleDeleted = "schedule.deleted"
    /// Beat did not run a due slot (subscription lapsed, no integration).
    case scheduleSkipped = "schedule.skipped"
    /// Beat created a slot's audit.
    case auditScheduled = "audit.scheduled"
}

/// The kind of thing an audit-log row is about, as `audit_log.target_type` spells it; the row's
/// `target_id` names which one.
public enum AuditTarget: String, Sendable, CaseIterable {
    case user
    case organization
    case invitation
    case integration
    case schedule
    case audit
    /// One login's refresh tokens (`token_families`).
    case tokenFamily = "token_family"
}
