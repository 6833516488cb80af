import Testing

/// The attacks of the hardening work, each performed against the running API: `--filter Security/`
/// runs them all.
@Suite("Security") enum Security {}
