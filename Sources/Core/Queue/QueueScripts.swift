/// The Lua scripts of the queue engine. Each runs atomically in Redis, which is what closes kombu's
/// loss windows: a message is never in a state where a crash of the worker loses it.
///
/// Messages are never re-encoded in Lua (cjson turns `[]` into `{}`): scripts move the exact bytes
/// they were given.
enum QueueScripts {
    /// Publishes messages with `LPUSH`, as kombu does, and marks each task id present
    /// (`QueueKeys.presence`) in the same step, so a reconciler never sees a published message as
    /// missing. KEYS: list, presence ('' for none) pairs. ARGV: message, queue, presence lifetime
    /// (seconds) triples.
    static let publish = RedisScript(
        """
        local n = 0
        for i = 1, #KEYS, 2 do
          redis.call('LPUSH', KEYS[i], ARGV[n * 3 + 1])
          if KEYS[i + 1] ~= '' then redis.call('SET', KEYS[i + 1], ARGV[n * 3 + 2], 'EX', ARGV[n * 3 + 3]) end
          n = n + 1
        end
        return n
        """
    )

    /// Pops up to `count` messages, highest priority first, and records each in kombu's `unacked`
    /// hash (`tag -> [message, "", queue]`) and `unacked_index` zset in the same step.
    ///
    /// Each delivery gets a fresh tag (`<lease base>:<n>`), not the message's own
    /// `properties.delivery_tag`: the `unacked` entry is then this delivery's lease, and a worker
    /// whose message was restored and fetched again elsewhere can never acknowledge that other
    /// delivery. kombu restorers only read the entry, never compare tags, so they restore ours as
    /// their own. The message is not decoded here (that costs more than the rest of the script); a
    /// value that is not even shaped like a JSON object goes to the dead-letter list instead, since a
    /// kombu restorer could not read it back.
    ///
    /// KEYS: unacked, unacked_index, list keys... ARGV: count, now, now ISO, lease base, prefix, then
    /// the queue name of each list key. Returns message, tag, list position triples.
    static let fetch = RedisScript(
        """
        local count = tonumber(ARGV[1])
        local now, stamp, base, prefix = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
        local out, n = {}, 0
        for i = 3, #KEYS do
          local queue = ARGV[i + 3]
          while n < count do
            local message = redis.call('RPOP', KEYS[i])
            if not message then break end
            if string.find(message, '^%s*{') and string.find(message, '}%s*$') then
              n = n + 1
              local tag = base .. ':' .. n
              redis.call('HSET', KEYS[1], tag, '[' .. message .. ', "", ' .. cjson.encode(queue) .. ']')
              redis.call('ZADD', KEYS[2], now, tag)
              out[#out + 1] = message
              out[#out + 1] = tag
              out[#out + 1] = tostring(i - 2)
            else
              redis.call('LPUSH', prefix .. 'auditmate.dead.' .. queue,
                '{"error": "message is not a JSON object", "reason": "bad_message", "failed_at": ' .. cjson.encode(stamp) ..
                ', "queue": ' .. cjson.encode(queue) .. ', "raw": ' .. cjson.encode(message) .. '}')
            end
          end
          if n >= count then break end
        end
        return out
        """
    )

    /// Acknowledges deliveries whose `unacked` entry still exists (their lease still holds), and
    /// deletes their task's presence key: the message is done. A lost lease leaves the presence key
    /// to the delivery that holds the message now.
    /// KEYS: unacked, unacked_index, then one presence key per tag ('' for none). ARGV: tags.
    /// Returns 1 or 0 per tag.
    static let ack = RedisScript(
        """
        local out = {}
        for i = 1, #ARGV do
          if redis.call('HDEL', KEYS[1], ARGV[i]) == 1 then
            redis.call('ZREM', KEYS[2], ARGV[i])
            if KEYS[2 + i] ~= '' then redis.call('DEL', KEYS[2 + i]) end
            out[#out + 1] = 1
          else
            redis.call('ZREM', KEYS[2], ARGV[i])
            out[#out + 1] = 0
          end
        end
        return out
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
    /// entry is gone.
    ///
    /// An expired lease is a delivery that ended without an acknowledgement: its worker died (a
    /// shutdown hands its messages back through `settle` instead, which never counts). Each restore
    /// counts one such delivery per message, keyed by the message's own delivery tag so the count
    /// survives restores and worker restarts; a message whose count reaches the limit is poison and
    /// goes to the dead-letter list with its prepared entry instead of running again, its presence
    /// key dropped. Messages without a delivery tag (no prepared entry) are never counted. An entry
    /// no restorer can read comes with the dead-letter entry `-` marks: it is set aside (LPUSH onto
    /// its target, a dead-letter list) and neither restored nor counted.
    /// KEYS: unacked, unacked_index, mutex, then per entry: target list, dead list, counter, presence
    /// ('' for none). ARGV: ceiling, limit, counter lifetime (seconds), then per entry: tag,
    /// expected value, restored message, dead-letter entry.
    /// Returns the number restored followed by the (1-based) positions of the poisoned entries.
    static let restore = RedisScript(
        """
        if redis.call('EXISTS', KEYS[3]) == 1 then return -1 end
        local ceiling, limit, lifetime = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
        local out, restored, j = {0}, 0, 0
        for i = 4, #ARGV, 4 do
          local k = 3 + j * 4
          j = j + 1
          local tag = ARGV[i]
          local score = redis.call('ZSCORE', KEYS[2], tag)
          if score and tonumber(score) <= ceiling then
            local current = redis.call('HGET', KEYS[1], tag)
            if ARGV[i + 1] == '' then
              if not current then redis.call('ZREM', KEYS[2], tag) end
            elseif current == ARGV[i + 1] then
              redis.call('HDEL', KEYS[1], tag)
              redis.call('ZREM', KEYS[2], tag)
              local deliveries = 0
              if ARGV[i + 3] == '-' then
                redis.call('LPUSH', KEYS[k + 1], ARGV[i + 2])
              elseif ARGV[i + 3] ~= '' then
                deliveries = redis.call('INCR', KEYS[k + 3])
                redis.call('EXPIRE', KEYS[k + 3], lifetime)
              end
              if ARGV[i + 3] == '-' then
                -- set aside (unreadable): already moved above
              elseif ARGV[i + 3] ~= '' and deliveries >= limit then
                redis.call('LPUSH', KEYS[k + 2], ARGV[i + 3])
                if KEYS[k + 4] ~= '' then redis.call('DEL', KEYS[k + 4]) end
                out[#out + 1] = j
              else
                redis.call('RPUSH', KEYS[k + 1], ARGV[i + 2])
                restored = restored + 1
              end
            end
          end
        end
        out[1] = restored
        return out
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

    /// Requeues one dead letter if it is still in the list, marking its task present again.
    /// KEYS: dead list, target list, presence ('' for none). ARGV: entry, message, queue, presence
    /// lifetime (seconds).
    static let requeueDead = RedisScript(
        """
        if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 1 then
          redis.call('LPUSH', KEYS[2], ARGV[2])
          if KEYS[3] ~= '' then redis.call('SET', KEYS[3], ARGV[3], 'EX', ARGV[4]) end
          return 1
        end
        return 0
        """
    )
}
