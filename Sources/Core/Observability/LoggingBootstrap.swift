import Logging

extension AppConfig {
    /// Installs the process-wide log handler chosen by `LOG_FORMAT` and `LOG_LEVEL`. Call once, from
    /// `@main`, before anything logs; tests keep swift-log's default. Logs go to standard error, so
    /// that what a command prints on standard output (`migrate`, `check`) is its answer alone.
    public func bootstrapLogging() {
        let level = logLevel.level
        switch logFormat {
        case .json:
            LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
        case .text:
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        }
    }

    /// A logger for `label` at the configured level (handlers made before bootstrap ignore it).
    public func makeLogger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = logLevel.level
        return logger
    }
}
