/// Every compliance check AuditMate runs, in report order: organization, access, repository
/// (settings, branch protection, security features), Actions. Check ids are stable: evidence,
/// diffs and the `checks` filter of an audit refer to them.
public enum CheckCatalogue {
    public static let all: [any ComplianceCheck] =
        OrganizationChecks.all + AccessChecks.all + RepositoryChecks.all + BranchProtectionChecks.all + SecurityChecks.all
        + ActionsChecks.all

    public static func check(id: String) -> (any ComplianceCheck)? {
        all.first { $0.definition.id == id }
    }
}
