package dev.sluice.server.shared;

import dev.sluice.server.config.RedisSettings;
import dev.sluice.server.config.ResumeSettings;
import dev.sluice.server.resume.SharedStreams;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;

/**
 * The state instances share: in memory on a single instance, on Redis when {@code SLUICE_REDIS_URL}
 * is set. Holds the {@link Counters} (rate limits and budgets of virtual keys) and, with Redis, the
 * {@link SharedStreams}.
 */
public final class SharedState implements AutoCloseable {
  private final Counters counters;
  private final SharedStreams streams;
  private final RedisClient client;
  private final StatefulRedisConnection<String, String> connection;

  private SharedState(Counters counters, SharedStreams streams, RedisClient client,
      StatefulRedisConnection<String, String> connection) {
    this.counters = counters;
    this.streams = streams;
    this.client = client;
    this.connection = connection;
  }

  /** Connects to Redis if configured; fails the start if it cannot (a misconfigured URL must not go unnoticed). */
  public static SharedState start(RedisSettings redis, ResumeSettings resume) {
    if (redis.url() == null) return new SharedState(new MemoryCounters(), null, null, null);
    RedisURI uri = RedisURI.create(redis.url());
    // Longer than any XREAD BLOCK a follower issues (at most 5 s).
    uri.setTimeout(Duration.ofSeconds(10));
    RedisClient client = RedisClient.create(uri);
    // While disconnected, commands fail at once instead of queueing: a limit check must not hang.
    client.setOptions(ClientOptions.builder().disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS).build());
    try {
      StatefulRedisConnection<String, String> connection = client.connect();
      connection.setTimeout(Duration.ofSeconds(2));
      var counters = new RedisCounters(connection.sync(), redis.onFailure());
      return new SharedState(counters, new RedisStreams(client, connection, resume), client, connection);
    } catch (RuntimeException e) {
      client.shutdown();
      throw new IllegalStateException("cannot reach Redis at " + redis + ": " + e.getMessage(), e);
    }
  }

  public Counters counters() {
    return counters;
  }

  /** Whether the state is on Redis (shared with other instances), not in this process. */
  public boolean distributed() {
    return client != null;
  }

  /**
   * A PING answered within {@code timeout}, for {@code /readyz}; nothing to check on a single
   * instance. Throws, with the reason, while Redis cannot be reached.
   */
  public void ping(Duration timeout) throws Exception {
    if (connection == null) return;
    try {
      connection.async().ping().get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException("Redis does not answer: " + e.getCause().getMessage(), e.getCause());
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("Redis does not answer within " + timeout.toMillis() + " ms", e);
    }
  }

  /** Null on a single instance (no Redis). */
  public SharedStreams streams() {
    return streams;
  }

  @Override
  public void close() {
    if (client == null) return;
    streams.close();
    connection.close();
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }
}
