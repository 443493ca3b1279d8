package dev.sluice.server.resume;

import dev.sluice.server.config.ResumeSettings;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.GatewayException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The browser streams of this instance, by stream id: running ones, so that {@code DELETE
 * /api/streams/{id}} can abort one, and ended ones for the retention window, so that a client can
 * still replay them. One timer thread runs the grace periods and the expiries. Their replay logs
 * take their bytes from one {@link ReplayMemory}, bounded by {@code resume.max_total_log_bytes}.
 *
 * <p>Each stream is owned by the caller that started it ({@link StreamAccess}); a caller that does
 * not own a stream finds nothing under its id, here or (through Redis) on another instance.
 */
public final class StreamRegistry implements AutoCloseable {
  /** A stream with the owner tag of the caller that started it. */
  private record Owned(ResumableStream stream, String owner) {}

  private final ConcurrentHashMap<String, Owned> streams = new ConcurrentHashMap<>();
  private final ResumeSettings settings;
  /** Other instances' streams and aborts (Redis), or null on a single instance. */
  private final SharedStreams shared;
  private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(
      Thread.ofPlatform().name("sluice-resume-timers").daemon().factory());

  private final ReplayMemory memory;

  /** @param logsFull told each time an append finds the replay logs' total full */
  public StreamRegistry(ResumeSettings settings, SharedStreams shared, Runnable logsFull) {
    this.settings = settings;
    this.shared = shared;
    this.memory = new ReplayMemory(settings.maxTotalLogBytes(), logsFull);
    if (shared != null) {
      // An abort asked on another instance: only the instance generating the stream finds it.
      shared.onCancel(id -> cancelHere(id, ABORTED));
    }
  }

  private static final GatewayError ABORTED = GatewayError.of(ErrorType.CANCELLED, "aborted by the client");

  /**
   * The replay log of a new stream generated here for {@code owner}: under both caps, and mirrored
   * (with its owner) when shared.
   */
  public ReplayLog newLog(String streamId, String owner) {
    return new ReplayLog(settings.logBytes(), shared == null ? null : shared.mirror(streamId, owner), memory);
  }

  /** The bytes all replay logs here hold, and their bound. */
  public ReplayMemory memory() {
    return memory;
  }

  /** True if a client on another instance follows the stream (its grace period is not over). */
  public boolean followedElsewhere(String streamId) {
    return shared != null && shared.followedElsewhere(streamId);
  }

  /**
   * Follows a stream generated on another instance; null if none knows it, {@code access} does not
   * reach it, or on a single instance.
   */
  public Follower followElsewhere(String streamId, long afterSeq, StreamAccess access)
      throws ReplayLog.Gone, GatewayException {
    return shared == null ? null : shared.follow(streamId, afterSeq, access);
  }

  public ResumeSettings settings() {
    return settings;
  }

  /** Timers for grace periods; tasks must not block. */
  public ScheduledExecutorService timers() {
    return timers;
  }

  /** Registers a stream started by the caller whose owner tag is {@code owner} ({@link StreamAccess#owner}). */
  public void add(ResumableStream stream, String owner) {
    var owned = new Owned(stream, owner);
    streams.put(stream.id(), owned);
    stream.log().register();
    // Kept for replay until the retention window after its end, then forgotten, its log's bytes given back.
    stream.outcome().whenComplete((o, t) -> {
      if (timers.isShutdown()) forget(owned);
      else timers.schedule(() -> forget(owned), settings.retention().toNanos(), TimeUnit.NANOSECONDS);
    });
  }

  private void forget(Owned owned) {
    streams.remove(owned.stream().id(), owned);
    owned.stream().log().discard();
  }

  /**
   * The stream, running or ended within its retention window; null if unknown, expired, or not
   * reachable with {@code access}.
   */
  public ResumableStream get(String streamId, StreamAccess access) {
    Owned owned = streams.get(streamId);
    return owned != null && access.permits(owned.owner()) ? owned.stream() : null;
  }

  /**
   * Aborts the stream, here or (with Redis) on the instance generating it; false if it runs
   * nowhere that {@code access} reaches.
   */
  public boolean abort(String streamId, StreamAccess access) throws GatewayException {
    Owned owned = streams.get(streamId);
    if (owned != null) return access.permits(owned.owner()) && owned.stream().cancel(ABORTED);
    return shared != null && shared.cancel(streamId, access);
  }

  private boolean cancelHere(String streamId, GatewayError reason) {
    Owned owned = streams.get(streamId);
    return owned != null && owned.stream().cancel(reason);
  }

  /** Cancels every running stream (the gateway stops) and the timers. */
  @Override
  public void close() {
    GatewayError stopping = GatewayError.of(ErrorType.UPSTREAM_OVERLOADED, "Sluice is shutting down; retry.");
    for (Owned s : streams.values()) s.stream().cancel(stopping);
    timers.shutdownNow();
  }
}
