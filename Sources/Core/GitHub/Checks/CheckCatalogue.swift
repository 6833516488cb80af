/// Every compliance check AuditMate runs, in report order. Check ids are stable: evidence,
/// diffs and the `checks` filter of an audit refer to them.
public enum CheckCatalogue {
    public static let all: [any ComplianceCheck] = OrganizationChecks.all

    public static func check(id: String) -> (any ComplianceCheck)? {
        all.first { $0.definition.id == id }
    }
}
