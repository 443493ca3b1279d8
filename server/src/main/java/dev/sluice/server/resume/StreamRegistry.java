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
 * still replay them. One timer thread runs the grace periods and the expiries.
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

  public StreamRegistry(ResumeSettings settings, SharedStreams shared) {
    this.settings = settings;
    this.shared = shared;
    if (shared != null) {
      // An abort asked on another instance: only the instance generating the stream finds it.
      shared.onCancel(id -> cancelHere(id, ABORTED));
    }
  }

  private static final GatewayError ABORTED = GatewayError.of(ErrorType.CANCELLED, "aborted by the client");

  /** Where a stream generated here for {@code owner} mirrors its log, or null on a single instance. */
  public SharedStreams.Mirror mirror(String streamId, String owner) {
    return shared == null ? null : shared.mirror(streamId, owner);
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
    // Kept for replay until the retention window after its end, then forgotten.
    stream.outcome().whenComplete((o, t) -> {
      if (timers.isShutdown()) streams.remove(stream.id(), owned);
      else timers.schedule(() -> streams.remove(stream.id(), owned), settings.retention().toNanos(), TimeUnit.NANOSECONDS);
    });
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
