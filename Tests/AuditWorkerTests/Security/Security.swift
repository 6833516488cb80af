import Testing

/// The attacks of the hardening work, each performed against real workers, PostgreSQL and Redis: `--filter Security`
/// runs them all.
@Suite("Security") enum Security {}
