package dev.sluice.server.shared;

import dev.sluice.server.config.ResumeSettings;
import dev.sluice.server.resume.Follower;
import dev.sluice.server.resume.ReplayLog;
import dev.sluice.server.resume.SharedStreams;
import dev.sluice.server.resume.StreamAccess;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.GatewayException;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.SetArgs;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link SharedStreams} on Redis. Each stream's replay log is a Redis Stream {@code
 * sluice:log:<id>} whose entry ids are {@code <seq+1>-0} (so {@code XREAD} after {@code <seq+1>-0}
 * is exactly "the events after seq"), capped with {@code MAXLEN}, a last entry {@code end} marking
 * its end, and an expiry of the retention window once ended. {@code sluice:running:<id>} exists
 * while the stream generates; {@code sluice:follow:<id>} while a client on another instance
 * follows it. {@code sluice:owner:<id>} holds the owner tag of the caller that started it, as long
 * as the log lives; another caller neither follows nor aborts the stream. Aborts go over the
 * pub/sub channel {@code sluice:cancel}.
 *
 * <p>If Redis fails, streams still run and resume on their own instance; the failure is logged
 * and that stream's mirror stops (a half-mirrored log would replay with a gap).
 */
public final class RedisStreams implements SharedStreams {
  private static final Logger log = LoggerFactory.getLogger(RedisStreams.class);
  static final String CANCEL_CHANNEL = "sluice:cancel";
  /** Safety expiry of a running stream's keys, should its instance die without ending it. */
  private static final Duration RUNNING_TTL = Duration.ofMinutes(15);

  private final RedisClient client;
  private final RedisCommands<String, String> redis;
  private final RedisAsyncCommands<String, String> async;
  private final StatefulRedisPubSubConnection<String, String> pubsub;
  private final ResumeSettings settings;
  /** Stream entries kept: the byte cap over the smallest browser event's size (about 64 bytes). */
  private final long maxEntries;

  RedisStreams(RedisClient client, StatefulRedisConnection<String, String> connection, ResumeSettings settings) {
    this.client = client;
    this.redis = connection.sync();
    this.async = connection.async();
    this.settings = settings;
    this.maxEntries = Math.max(1024, settings.logBytes() / 64);
    this.pubsub = client.connectPubSub();
  }

  static String logKey(String id) {
    return "sluice:log:" + id;
  }

  static String runningKey(String id) {
    return "sluice:running:" + id;
  }

  static String ownerKey(String id) {
    return "sluice:owner:" + id;
  }

  @Override
  public Mirror mirror(String streamId, String owner) {
    return new RedisMirror(async, streamId, owner, maxEntries, RUNNING_TTL, settings.retention());
  }

  /** True if the stream's owner, as mirrored, may be reached with {@code access}; false if unknown. */
  private boolean reaches(String streamId, StreamAccess access) {
    String owner = redis.get(ownerKey(streamId));
    return owner != null && access.permits(owner);
  }

  @Override
  public boolean followedElsewhere(String streamId) {
    try {
      return redis.exists("sluice:follow:" + streamId) > 0;
    } catch (RedisException e) {
      return false;
    }
  }

  @Override
  public Follower follow(String streamId, long afterSeq, StreamAccess access) throws ReplayLog.Gone, GatewayException {
    String key = logKey(streamId);
    List<StreamMessage<String, String>> first;
    try {
      if (!reaches(streamId, access)) return null;
      first = redis.xrange(key, Range.create("-", "+"), Limit.from(1));
    } catch (RedisException e) {
      throw unavailable(e);
    }
    if (first.isEmpty()) return null;
    long firstSeq = seqOf(first.getFirst());
    if (firstSeq >= 0 && afterSeq + 1 < firstSeq) throw ReplayLog.gone(firstSeq);
    return new RedisFollower(streamId, key, afterSeq);
  }

  /** The seq of an event entry, -1 for the end entry. */
  private static long seqOf(StreamMessage<String, String> m) {
    if (m.getBody().containsKey("end")) return -1;
    String id = m.getId();
    return Long.parseLong(id.substring(0, id.indexOf('-'))) - 1;
  }

  @Override
  public boolean cancel(String streamId, StreamAccess access) throws GatewayException {
    try {
      if (redis.exists(runningKey(streamId)) == 0 || !reaches(streamId, access)) return false;
      redis.publish(CANCEL_CHANNEL, streamId);
      return true;
    } catch (RedisException e) {
      throw unavailable(e);
    }
  }

  private static GatewayException unavailable(RedisException e) {
    log.warn("shared stream state unavailable (Redis: {})", e.getMessage());
    return new GatewayException(GatewayError.of(ErrorType.UPSTREAM_OVERLOADED,
        "Streams of other instances are unreachable right now (shared state unavailable); retry shortly."));
  }

  @Override
  public void onCancel(Consumer<String> abort) {
    pubsub.addListener(new RedisPubSubAdapter<>() {
      @Override
      public void message(String channel, String message) {
        if (CANCEL_CHANNEL.equals(channel)) abort.accept(message);
      }
    });
    pubsub.sync().subscribe(CANCEL_CHANNEL);
  }

  @Override
  public void close() {
    pubsub.close();
  }

  /**
   * Follows one stream's Redis log on a connection of its own ({@code XREAD BLOCK} holds it), and
   * keeps {@code sluice:follow:<id>} alive meanwhile so the generating instance's grace period does
   * not run out under it.
   */
  private final class RedisFollower implements Follower {
    private final String streamId;
    private final String key;
    private final StatefulRedisConnection<String, String> connection;
    private final ArrayDeque<StreamMessage<String, String>> batch = new ArrayDeque<>();
    private String lastId;
    private volatile boolean closed;
    private long presenceRefreshedAt;

    RedisFollower(String streamId, String key, long afterSeq) {
      this.streamId = streamId;
      this.key = key;
      this.lastId = (afterSeq + 1) + "-0";
      this.connection = client.connect();
      // Seen by the generating instance from now on, not from the first read: its grace period may
      // be about to run out. A failure here is reported by the first read, which refreshes again.
      try {
        refreshPresence();
      } catch (RedisException e) {
        presenceRefreshedAt = 0;
      }
    }

    @Override
    public ReplayLog.Step next(long timeoutNanos) throws ReplayLog.Gone {
      if (closed) return ReplayLog.CLOSED;
      try {
        refreshPresence();
      } catch (RedisException e) {
        return lost(e);
      }
      if (batch.isEmpty()) {
        // At most the heartbeat interval: the caller sends a heartbeat, which is how it notices a client gone.
        long ms = Math.clamp(timeoutNanos / 1_000_000, 1, 5_000);
        List<StreamMessage<String, String>> read;
        try {
          read = connection.sync().xread(
              XReadArgs.Builder.block(Duration.ofMillis(ms)).count(256), XReadArgs.StreamOffset.from(key, lastId));
        } catch (RedisException e) {
          // Closing this follower closes its connection under the blocked read: that is no failure.
          if (closed) return ReplayLog.CLOSED;
          return lost(e);
        }
        if (read != null) batch.addAll(read);
        if (batch.isEmpty()) {
          if (closed) return ReplayLog.CLOSED;
          // A log that expired under us (its instance died, or its mirror broke) never gets an end entry.
          try {
            if (connection.sync().exists(key) == 0) {
              return new ReplayLog.End(null, GatewayError.of(ErrorType.UPSTREAM_ERROR,
                  "The stream's shared log ended without its last events (its instance stopped mirroring it)."));
            }
          } catch (RedisException e) {
            return closed ? ReplayLog.CLOSED : lost(e);
          }
          return ReplayLog.QUIET;
        }
      }
      StreamMessage<String, String> m = batch.poll();
      long expected = Long.parseLong(lastId.substring(0, lastId.indexOf('-')));
      lastId = m.getId();
      Map<String, String> body = m.getBody();
      if (body.containsKey("end")) {
        GatewayError early = body.containsKey("early_type")
            ? GatewayError.of(ErrorType.valueOf(body.get("early_type")), body.get("early_message")) : null;
        String trailer = body.get("end");
        return new ReplayLog.End(trailer.isEmpty() ? null : trailer, early);
      }
      long seq = seqOf(m);
      // Trimmed by MAXLEN before this follower got to it: say so rather than skip events.
      if (seq != expected) throw ReplayLog.gone(seq);
      return new ReplayLog.Event(seq, body.get("d").getBytes(StandardCharsets.UTF_8));
    }

    /** Redis failed under this follower: its client gets an error event (retryable), not a silent end. */
    private ReplayLog.Step lost(RedisException e) {
      return new ReplayLog.End(null, unavailable(e).error());
    }

    private void refreshPresence() {
      long now = System.nanoTime();
      if (now - presenceRefreshedAt < 1_000_000_000L && presenceRefreshedAt != 0) return;
      presenceRefreshedAt = now;
      redis.set("sluice:follow:" + streamId, "1", SetArgs.Builder.px(settings.grace().plusSeconds(5)));
    }

    @Override
    public void close() {
      if (closed) return;
      closed = true;
      connection.closeAsync();
      try {
        redis.del("sluice:follow:" + streamId);
      } catch (RedisException e) {
        log.debug("stream {}: could not clear its follower mark: {}", streamId, e.getMessage());
      }
    }
  }
}
