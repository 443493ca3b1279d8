package dev.sluice.server.resume;

/**
 * One client's reading of a stream's replay log: the log of this instance ({@link
 * ReplayLog.Cursor}) or the shared one of another instance's stream (Redis).
 */
public interface Follower extends AutoCloseable {

  /** The next step, waiting at most {@code timeoutNanos}: an event, the end, or {@link ReplayLog#QUIET}. */
  ReplayLog.Step next(long timeoutNanos) throws ReplayLog.Gone, InterruptedException;

  /** Stops following; a follower blocked in {@link #next} returns {@link ReplayLog#CLOSED} (or soon after). */
  @Override
  void close();
}
