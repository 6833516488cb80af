import Core
import Foundation

/// The `Audit` and `PaginatedAudits` schemas written with `CompactJSON`, for the two hottest
/// endpoints (`HotResponsesMiddleware`). Keys in sorted order, as `Components.Schemas.Audit`
/// encodes them; `CompactJSONTests` compares both writers with the generated path.
extension CompactJSON {
    mutating func audit(_ audit: Audit) {
        var object = openObject()
        field("checks", audit.checks, in: &object)
        field("created_at", audit.createdAt, in: &object)
        field("error", audit.error, in: &object)
        field("evidence_digest", audit.evidenceDigest, in: &object)
        field("finished_at", audit.finishedAt, in: &object)
        field("id", audit.id, in: &object)
        field("integration", audit.integrationID, in: &object)
        field("pending_reason", audit.pendingReason, in: &object)
        field("progress", in: &object) { json in
            var progress = json.openObject()
            json.field("done", audit.progressDone, in: &progress)
            json.field("total", audit.progressTotal, in: &progress)
            json.close(progress)
        }
        field("repository", audit.repository, in: &object)
        field("requested_by", audit.requestedBy, in: &object)
        field("score", audit.score, in: &object)
        field("started_at", audit.startedAt, in: &object)
        field("status", audit.status.rawValue, in: &object)
        field("summary", in: &object) { json in
            var summary = json.openObject()
            json.field("errors", audit.summary.errors, in: &summary)
            json.field("failed", audit.summary.failed, in: &summary)
            json.field("not_applicable", audit.summary.notApplicable, in: &summary)
            json.field("passed", audit.summary.passed, in: &summary)
            json.close(summary)
        }
        field("trigger", audit.trigger.rawValue, in: &object)
        close(object)
    }

    /// A DRF page of audits: `count`, `next`, `previous`, `results`.
    mutating func auditPage(_ page: Page<Audit>, next: String?, previous: String?) {
        var object = openObject()
        field("count", page.count, in: &object)
        field("next", next, in: &object)
        field("previous", previous, in: &object)
        field("results", in: &object) { json in
            json.array(page.items) { json, audit in json.audit(audit) }
        }
        close(object)
    }

    /// Room for a page of typical audits (about 520 bytes each) without growing.
    static func capacity(audits: Int) -> Int {
        256 + audits * 640
    }
}
