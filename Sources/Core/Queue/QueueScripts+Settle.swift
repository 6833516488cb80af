extension QueueScripts {
    /// What `settle` publishes once it has acknowledged the delivery (its ARGV[2]). The script
    /// compares these very values, so they are spelled here once.
    enum SettleAction: String, CaseIterable {
        /// RPUSH onto the list: consumed next (a message handed back at shutdown).
        case front
        /// LPUSH onto the list: behind everything waiting (a retry due now, a dead letter).
        case back
        /// Into the delayed set, scored by its due time (an ETA, a retry with a countdown).
        case delay
    }

    /// What `settle` does with the task's presence key besides renewing it for a number of seconds
    /// (its ARGV[4]).
    enum PresenceMarker: String, CaseIterable {
        /// The message lives on as it is.
        case keep
        /// The message is done.
        case drop
    }

    /// Acknowledges one delivery (if its lease still holds) and, in the same step, publishes its
    /// successor: `front` (RPUSH, consumed next), `back` (LPUSH) onto KEYS[4], or `delay` into the
    /// delayed set KEYS[4] / KEYS[5] scored ARGV[6] under member ARGV[7]; and keeps, drops or renews
    /// (for ARGV[4] seconds, holding ARGV[5]) the task's presence key KEYS[3]. Returns 0 when the
    /// lease was lost, in which case nothing is published: the message belongs to another delivery.
    /// KEYS: unacked, unacked_index, presence ('' for none), target[, delayed messages].
    /// ARGV: tag, action, value, presence ('keep', 'drop' or seconds), queue, score, member.
    static let settle = RedisScript(
        """
        if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
        redis.call('ZREM', KEYS[2], ARGV[1])
        local action = ARGV[2]
        if action == '\(SettleAction.front.rawValue)' then
          redis.call('RPUSH', KEYS[4], ARGV[3])
        elseif action == '\(SettleAction.back.rawValue)' then
          redis.call('LPUSH', KEYS[4], ARGV[3])
        elseif action == '\(SettleAction.delay.rawValue)' then
          redis.call('ZADD', KEYS[4], ARGV[6], ARGV[7])
          redis.call('HSET', KEYS[5], ARGV[7], ARGV[3])
        end
        if KEYS[3] ~= '' then
          if ARGV[4] == '\(PresenceMarker.drop.rawValue)' then
            redis.call('DEL', KEYS[3])
          elseif ARGV[4] ~= '\(PresenceMarker.keep.rawValue)' then
            redis.call('SET', KEYS[3], ARGV[5], 'EX', ARGV[4])
          end
        end
        return 1
        """
    )
}
