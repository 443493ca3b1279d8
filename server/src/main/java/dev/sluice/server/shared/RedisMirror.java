package dev.sluice.server.shared;

import dev.sluice.server.resume.SharedStreams;
import dev.sluice.stream.GatewayError;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.SetArgs;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mirrors one stream's replay log to Redis without a round trip per event on the generator's
 * thread: commands are pipelined on the shared connection (which keeps their order), and the
 * generator waits for Redis only every {@link #MAX_IN_FLIGHT} events, which bounds what is in
 * flight. The first failure stops the mirror: the entries' explicit ids ({@code <seq+1>-0}) let a
 * follower see any gap and report it rather than skip events.
 */
final class RedisMirror implements SharedStreams.Mirror {
  private static final Logger log = LoggerFactory.getLogger(RedisMirror.class);
  private static final int MAX_IN_FLIGHT = 256;

  private final RedisAsyncCommands<String, String> redis;
  private final String streamId;
  private final String key;
  private final String running;
  private final String ownerKey;
  private final long maxEntries;
  private final Duration runningTtl;
  private final Duration retention;
  private volatile boolean broken;
  private RedisFuture<?> last;
  private int sinceSync;

  RedisMirror(RedisAsyncCommands<String, String> redis, String streamId, String owner, long maxEntries,
      Duration runningTtl, Duration retention) {
    this.redis = redis;
    this.streamId = streamId;
    this.key = RedisStreams.logKey(streamId);
    this.running = RedisStreams.runningKey(streamId);
    this.ownerKey = RedisStreams.ownerKey(streamId);
    this.maxEntries = maxEntries;
    this.runningTtl = runningTtl;
    this.retention = retention;
    // Known to every instance from the start, so an abort asked elsewhere finds it even before its
    // first event; its owner first, so that no instance ever sees it running without one. Waited for
    // (one round trip, commands in order on the connection): the client learns the stream's id from
    // this instance right after, and may at once ask another to abort it, which must not say 404.
    watch(redis.set(ownerKey, owner, SetArgs.Builder.px(runningTtl)));
    await(watch(redis.set(running, "1", SetArgs.Builder.px(runningTtl))));
  }

  @Override
  public void event(long seq, byte[] sse) {
    if (broken) return;
    last = watch(redis.xadd(key, new XAddArgs().id((seq + 1) + "-0").maxlen(maxEntries),
        Map.of("d", new String(sse, StandardCharsets.UTF_8))));
    // Until it ends, a crashed instance's log must still expire.
    if (seq == 0) watch(redis.pexpire(key, runningTtl));
    if (++sinceSync >= MAX_IN_FLIGHT) {
      sinceSync = 0;
      await(last);
    }
  }

  @Override
  public void end(String trailer, GatewayError earlyError) {
    if (!broken) {
      var body = new HashMap<String, String>();
      body.put("end", trailer == null ? "" : trailer);
      if (earlyError != null) {
        body.put("early_type", earlyError.type().name());
        body.put("early_message", earlyError.message());
      }
      watch(redis.xadd(key, XAddArgs.Builder.maxlen(maxEntries), body));
      watch(redis.pexpire(key, retention));
      watch(redis.pexpire(ownerKey, retention));
    }
    redis.del(running).whenComplete((n, failure) -> {
      if (failure != null) log.debug("stream {}: could not clear its running mark ({})", streamId, failure.toString());
    });
  }

  private <T> RedisFuture<T> watch(RedisFuture<T> command) {
    command.whenComplete((value, failure) -> {
      if (failure != null) fail(failure);
    });
    return command;
  }

  private void await(RedisFuture<?> command) {
    try {
      command.get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      fail(e);
    } catch (Exception e) {
      fail(e);
    }
  }

  private void fail(Throwable failure) {
    if (broken) return;
    broken = true;
    log.warn("stream {}: Redis mirror stopped ({}); it resumes on this instance only", streamId, failure.toString());
  }
}
