/// The Lua scripts of the queue engine. Each runs atomically in Redis, which is what closes kombu's
/// loss windows: a message is never in a state where a crash of the worker loses it.
///
/// Messages are never re-encoded in Lua (cjson turns `[]` into `{}`); scripts only decode to read a
/// field and otherwise move the exact bytes they were given.
enum QueueScripts {
    /// Pops up to `count` messages, highest priority first, and records each in kombu's `unacked`
    /// hash and `unacked_index` zset, plus our lease token, in the same step. A message that is not a
    /// JSON object with properties cannot be tracked by delivery tag and goes to its queue's
    /// dead-letter list instead of being dropped.
    ///
    /// KEYS: unacked, unacked_index, owner, list keys... ARGV: count, now, now ISO, token base,
    /// prefix, then the queue name of each list key.
    static let fetch = RedisScript(
        """
        local count = tonumber(ARGV[1])
        local now, stamp, base, prefix = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
        local out, n = {}, 0
        for i = 4, #KEYS do
          local queue = ARGV[i + 2]
          while n < count do
            local message = redis.call('RPOP', KEYS[i])
            if not message then break end
            local ok, decoded = pcall(cjson.decode, message)
            if ok and type(decoded) == 'table' and type(decoded['properties']) == 'table' then
              n = n + 1
              local tag = decoded['properties']['delivery_tag']
              if type(tag) ~= 'string' or tag == '' then tag = base .. ':' .. n end
              local token = base .. ':' .. n
              redis.call('HSET', KEYS[1], tag, '[' .. message .. ', "", ' .. cjson.encode(queue) .. ']')
              redis.call('ZADD', KEYS[2], now, tag)
              redis.call('HSET', KEYS[3], tag, token)
              out[#out + 1] = message
              out[#out + 1] = tag
              out[#out + 1] = token
              out[#out + 1] = tostring(i - 3)
            else
              redis.call('LPUSH', prefix .. 'auditmate.dead.' .. queue,
                '{"error": "message is not a JSON object with properties", "failed_at": ' .. cjson.encode(stamp) ..
                ', "queue": ' .. cjson.encode(queue) .. ', "raw": ' .. cjson.encode(message) .. '}')
            end
          end
          if n >= count then break end
        end
        return out
        """
    )

    /// Acknowledges deliveries whose lease token still matches. KEYS: unacked, unacked_index, owner.
    /// ARGV: tag, token pairs. Returns 1 or 0 per pair.
    static let ack = RedisScript(
        """
        local out = {}
        for i = 1, #ARGV, 2 do
          if redis.call('HGET', KEYS[3], ARGV[i]) == ARGV[i + 1] then
            redis.call('HDEL', KEYS[1], ARGV[i])
            redis.call('ZREM', KEYS[2], ARGV[i])
            redis.call('HDEL', KEYS[3], ARGV[i])
            out[#out + 1] = 1
          else
            out[#out + 1] = 0
          end
        end
        return out
        """
    )

    /// Acknowledges one delivery (owner-checked) and, in the same step, publishes its successor:
    /// `front` (RPUSH, consumed next), `back` (LPUSH) onto KEYS[4], or `delay` into the delayed set
    /// KEYS[4] / KEYS[5] scored ARGV[5] under member ARGV[6]. Returns 0 when the lease was lost, in
    /// which case nothing is published: the message now belongs to another delivery.
    /// KEYS: unacked, unacked_index, owner, target[, delayed messages]. ARGV: tag, token, action, value, score, member.
    static let settle = RedisScript(
        """
        if redis.call('HGET', KEYS[3], ARGV[1]) ~= ARGV[2] then return 0 end
        redis.call('HDEL', KEYS[1], ARGV[1])
        redis.call('ZREM', KEYS[2], ARGV[1])
        redis.call('HDEL', KEYS[3], ARGV[1])
        local action = ARGV[3]
        if action == 'front' then
          redis.call('RPUSH', KEYS[4], ARGV[4])
        elseif action == 'back' then
          redis.call('LPUSH', KEYS[4], ARGV[4])
        elseif action == 'delay' then
          redis.call('ZADD', KEYS[4], ARGV[5], ARGV[6])
          redis.call('HSET', KEYS[5], ARGV[6], ARGV[4])
        end
        return 1
        """
    )

    /// Moves due delayed messages to the front of their lists. KEYS: delayed, delayed messages.
    /// ARGV: now, limit. Returns how many moved.
    static let promote = RedisScript(
        """
        local due = redis.call('ZRANGE', KEYS[1], '-inf', ARGV[1], 'BYSCORE', 'LIMIT', 0, tonumber(ARGV[2]))
        for _, member in ipairs(due) do
          local entry = redis.call('HGET', KEYS[2], member)
          if entry then
            local cut = string.find(entry, '\\n', 1, true)
            if cut then redis.call('RPUSH', string.sub(entry, 1, cut - 1), string.sub(entry, cut + 1)) end
            redis.call('HDEL', KEYS[2], member)
          end
          redis.call('ZREM', KEYS[1], member)
        end
        return #due
        """
    )

    /// Restores expired deliveries (lease older than the visibility timeout) to the front of their
    /// lists, re-checking in the script that each is still expired and unchanged, since a lease may
    /// have been renewed or the message acked after the caller read it. Defers to a kombu restorer
    /// holding `unacked_mutex` (returns -1). An empty expected value drops an index entry whose hash
    /// entry is gone. KEYS: unacked, unacked_index, owner, mutex, target lists...
    /// ARGV: ceiling, then tag, expected value, restored message triples (one target list each).
    static let restore = RedisScript(
        """
        if redis.call('EXISTS', KEYS[4]) == 1 then return -1 end
        local ceiling = tonumber(ARGV[1])
        local restored, j = 0, 0
        for i = 2, #ARGV, 3 do
          j = j + 1
          local tag = ARGV[i]
          local score = redis.call('ZSCORE', KEYS[2], tag)
          if score and tonumber(score) <= ceiling then
            local current = redis.call('HGET', KEYS[1], tag)
            if ARGV[i + 1] == '' then
              if not current then
                redis.call('ZREM', KEYS[2], tag)
                redis.call('HDEL', KEYS[3], tag)
              end
            elseif current == ARGV[i + 1] then
              redis.call('RPUSH', KEYS[4 + j], ARGV[i + 2])
              redis.call('HDEL', KEYS[1], tag)
              redis.call('ZREM', KEYS[2], tag)
              redis.call('HDEL', KEYS[3], tag)
              restored = restored + 1
            end
          end
        end
        return restored
        """
    )

    /// Drops lease tokens whose `unacked` entry is gone (a kombu worker acked or restored a message we
    /// once held). Samples a few per call. KEYS: unacked, owner. ARGV: sample size.
    static let sweepOwners = RedisScript(
        """
        local fields = redis.call('HRANDFIELD', KEYS[2], tonumber(ARGV[1]))
        local dropped = 0
        for _, tag in ipairs(fields) do
          if redis.call('HEXISTS', KEYS[1], tag) == 0 then
            redis.call('HDEL', KEYS[2], tag)
            dropped = dropped + 1
          end
        end
        return dropped
        """
    )

    /// Celery's result write: never overwrite a stored SUCCESS, then `SETEX` and `PUBLISH` on the key's
    /// own channel (where `AsyncResult.get()` listens), atomically. KEYS: result key. ARGV: document,
    /// expiry seconds. Returns 0 when a SUCCESS was already stored.
    static let storeResult = RedisScript(
        """
        local current = redis.call('GET', KEYS[1])
        if current then
          local ok, decoded = pcall(cjson.decode, current)
          if ok and type(decoded) == 'table' and decoded['status'] == 'SUCCESS' then return 0 end
        end
        redis.call('SETEX', KEYS[1], ARGV[2], ARGV[1])
        redis.call('PUBLISH', KEYS[1], ARGV[1])
        return 1
        """
    )

    /// Requeues one dead letter if it is still in the list. KEYS: dead list, target list.
    /// ARGV: entry, message.
    static let requeueDead = RedisScript(
        """
        if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 1 then
          redis.call('LPUSH', KEYS[2], ARGV[2])
          return 1
        end
        return 0
        """
    )
}
