package dev.sluice.server.shared;

import dev.sluice.server.config.RedisSettings;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Counters} shared by every instance on one Redis: a Lua script adds and checks the limit
 * atomically (fixed window from the first hit, reset by the key's expiry).
 *
 * <p>While Redis cannot be reached, {@code redis.on_failure} decides: {@code closed} (the default)
 * refuses every hit with a one-second retry hint, so a limit is never exceeded; {@code open} allows
 * every hit, so an outage of Redis is not an outage of the gateway.
 */
public final class RedisCounters implements Counters {
  private static final Logger log = LoggerFactory.getLogger(RedisCounters.class);
  /** Returns {allowed (1/0), count, milliseconds until the window resets}. */
  private static final String SCRIPT = """
      local current = tonumber(redis.call('GET', KEYS[1]) or '0')
      local amount = tonumber(ARGV[1])
      local limit = tonumber(ARGV[2])
      local window = tonumber(ARGV[3])
      if current + amount > limit then
        local ttl = redis.call('PTTL', KEYS[1])
        if ttl < 0 then ttl = window end
        return {0, current, ttl}
      end
      local n = redis.call('INCRBY', KEYS[1], amount)
      local ttl = redis.call('PTTL', KEYS[1])
      if ttl < 0 then
        redis.call('PEXPIRE', KEYS[1], window)
        ttl = window
      end
      return {1, n, ttl}
      """;
  private static final Duration RETRY_WHILE_DOWN = Duration.ofSeconds(1);

  private final RedisCommands<String, String> redis;
  private final RedisSettings.OnFailure onFailure;
  private final String sha;
  /** Set while Redis fails, so that an outage is logged once, not once per request. */
  private final java.util.concurrent.atomic.AtomicBoolean down = new java.util.concurrent.atomic.AtomicBoolean();

  RedisCounters(RedisCommands<String, String> redis, RedisSettings.OnFailure onFailure) {
    this.redis = redis;
    this.onFailure = onFailure;
    String loaded;
    try {
      loaded = redis.scriptLoad(SCRIPT);
    } catch (RedisException e) {
      loaded = null;
    }
    this.sha = loaded;
  }

  @Override
  public Decision hit(String key, long amount, long limit, Duration window) {
    String[] keys = {"sluice:count:" + key};
    String[] args = {Long.toString(amount), Long.toString(limit), Long.toString(Math.max(1, window.toMillis()))};
    try {
      List<Long> r;
      try {
        r = sha == null ? redis.eval(SCRIPT, ScriptOutputType.MULTI, keys, args)
            : redis.evalsha(sha, ScriptOutputType.MULTI, keys, args);
      } catch (io.lettuce.core.RedisNoScriptException e) {
        r = redis.eval(SCRIPT, ScriptOutputType.MULTI, keys, args);
      }
      if (down.compareAndSet(true, false)) log.info("rate-limit counters reachable again (Redis)");
      return new Decision(r.get(0) == 1L, r.get(1), Duration.ofMillis(r.get(2)));
    } catch (RedisException e) {
      if (down.compareAndSet(false, true)) {
        log.warn("rate-limit counters unavailable (Redis: {}); failing {} until it is back", e.getMessage(), onFailure);
      }
      return onFailure == RedisSettings.OnFailure.OPEN
          ? new Decision(true, -1, Duration.ZERO)
          : new Decision(false, -1, RETRY_WHILE_DOWN);
    }
  }
}
