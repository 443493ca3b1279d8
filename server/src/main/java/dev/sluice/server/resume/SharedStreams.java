package dev.sluice.server.resume;

import dev.sluice.stream.GatewayError;
import dev.sluice.stream.GatewayException;
import java.util.function.Consumer;

/**
 * Browser streams across instances: each stream's replay log mirrored where any instance can follow
 * it, and aborts that reach the instance generating. Absent (null) on a single instance.
 */
public interface SharedStreams extends AutoCloseable {

  /** Where the generator of {@code streamId} on this instance mirrors its log; {@code owner} is kept with it. */
  Mirror mirror(String streamId, String owner);

  /** Receives one stream's log as the generator writes it; failures are the mirror's own to report. */
  interface Mirror {
    void event(long seq, byte[] sse);

    /** The log ended; {@code earlyError} when it ended with no event. */
    void end(String trailer, GatewayError earlyError);
  }

  /** True if a client on another instance follows {@code streamId} now (its grace period must not run out). */
  boolean followedElsewhere(String streamId);

  /**
   * Follows the shared log of a stream generated on another instance, after {@code afterSeq}.
   *
   * @return null if no instance knows the stream (unknown, or expired) or {@code access} does not reach it
   * @throws GatewayException (503) if the shared state cannot be reached
   */
  Follower follow(String streamId, long afterSeq, StreamAccess access) throws ReplayLog.Gone, GatewayException;

  /**
   * Asks every instance to abort {@code streamId}; false if it runs nowhere, or {@code access} does
   * not reach it.
   *
   * @throws GatewayException (503) if the shared state cannot be reached
   */
  boolean cancel(String streamId, StreamAccess access) throws GatewayException;

  /** Runs {@code abort} with the id of each stream some instance was asked to abort. */
  void onCancel(Consumer<String> abort);

  @Override
  void close();
}
