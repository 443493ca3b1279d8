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
  /**
   * {@link #hitUntil}: ARGV = amount, limit, seed ('' for "ask me"), milliseconds until it ends
   * (relative, so that a clock apart from Redis's cannot make a counter that never expires). Returns
   * {-1, 0, 0} when the counter is absent and no seed was given, else as {@link #SCRIPT}.
   */
  private static final String SEEDED_SCRIPT = """
      local current = redis.call('GET', KEYS[1])
      if not current then
        if ARGV[3] == '' then return {-1, 0, 0} end
        redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
        current = ARGV[3]
      end
      current = tonumber(current)
      local amount = tonumber(ARGV[1])
      local ttl = redis.call('PTTL', KEYS[1])
      if ttl < 0 then ttl = 0 end
      if current + amount > tonumber(ARGV[2]) then return {0, current, ttl} end
      return {1, redis.call('INCRBY', KEYS[1], ARGV[1]), ttl}
      """;
  /** {@link #adjust}: adds only to a counter whose window is open. */
  private static final String ADJUST_SCRIPT = """
      if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCRBY', KEYS[1], ARGV[1]) end
      return 0
      """;
  private static final Duration RETRY_WHILE_DOWN = Duration.ofSeconds(1);

  private final RedisCommands<String, String> redis;
  private final RedisSettings.OnFailure onFailure;
  private final String sha;
  private final String seededSha;
  private final String adjustSha;
  /** Set while Redis fails, so that an outage is logged once, not once per request. */
  private final java.util.concurrent.atomic.AtomicBoolean down = new java.util.concurrent.atomic.AtomicBoolean();

  RedisCounters(RedisCommands<String, String> redis, RedisSettings.OnFailure onFailure) {
    this.redis = redis;
    this.onFailure = onFailure;
    this.sha = load(redis, SCRIPT);
    this.seededSha = load(redis, SEEDED_SCRIPT);
    this.adjustSha = load(redis, ADJUST_SCRIPT);
  }

  /** The script's SHA, or null (then it is sent whole on each call). */
  private static String load(RedisCommands<String, String> redis, String script) {
    try {
      return redis.scriptLoad(script);
    } catch (RedisException e) {
      return null;
    }
  }

  private <T> T run(String script, String scriptSha, ScriptOutputType type, String[] keys, String[] args) {
    try {
      return scriptSha == null ? redis.eval(script, type, keys, args) : redis.evalsha(scriptSha, type, keys, args);
    } catch (io.lettuce.core.RedisNoScriptException e) {
      return redis.eval(script, type, keys, args);
    }
  }

  @Override
  public Decision hitUntil(String key, long amount, long limit, java.time.Instant end, java.util.function.LongSupplier seed) {
    String[] keys = {"sluice:count:" + key};
    String[] args = {Long.toString(amount), Long.toString(limit), "", Long.toString(Math.max(1, java.time.Duration.between(java.time.Instant.now(), end).toMillis()))};
    try {
      List<Long> r = run(SEEDED_SCRIPT, seededSha, ScriptOutputType.MULTI, keys, args);
      if (r.get(0) == -1L) {
        // Absent: seed it (a ledger read, outside the script), then try again; another instance's seed may win.
        args[2] = Long.toString(seed.getAsLong());
        r = run(SEEDED_SCRIPT, seededSha, ScriptOutputType.MULTI, keys, args);
      }
      reachable();
      return new Decision(r.get(0) == 1L, r.get(1), Duration.ofMillis(r.get(2)));
    } catch (RedisException e) {
      return unreachable(e);
    }
  }

  @Override
  public void adjust(String key, long amount) {
    if (amount == 0) return;
    try {
      run(ADJUST_SCRIPT, adjustSha, ScriptOutputType.INTEGER, new String[] {"sluice:count:" + key},
          new String[] {Long.toString(amount)});
      reachable();
    } catch (RedisException e) {
      // Lost: the counter stays at the reservation until its window ends (never below the truth).
      if (down.compareAndSet(false, true)) {
        log.warn("counters unavailable (Redis: {}); a correction of {} is lost", e.getMessage(), key);
      }
    }
  }

  private void reachable() {
    if (down.compareAndSet(true, false)) log.info("rate-limit counters reachable again (Redis)");
  }

  private Decision unreachable(RedisException e) {
    if (down.compareAndSet(false, true)) {
      log.warn("rate-limit counters unavailable (Redis: {}); failing {} until it is back", e.getMessage(), onFailure);
    }
    return onFailure == RedisSettings.OnFailure.OPEN
        ? new Decision(true, -1, Duration.ZERO)
        : new Decision(false, -1, RETRY_WHILE_DOWN);
  }

  @Override
  public Decision hit(String key, long amount, long limit, Duration window) {
    String[] keys = {"sluice:count:" + key};
    String[] args = {Long.toString(amount), Long.toString(limit), Long.toString(Math.max(1, window.toMillis()))};
    try {
      List<Long> r = run(SCRIPT, sha, ScriptOutputType.MULTI, keys, args);
      reachable();
      return new Decision(r.get(0) == 1L, r.get(1), Duration.ofMillis(r.get(2)));
    } catch (RedisException e) {
      return unreachable(e);
    }
  }
}
