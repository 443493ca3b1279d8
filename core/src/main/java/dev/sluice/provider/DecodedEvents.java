package dev.sluice.provider;

import dev.sluice.stream.Failed;
import dev.sluice.stream.FinishReason;
import dev.sluice.stream.Finished;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.Started;
import dev.sluice.stream.StreamEvent;
import dev.sluice.stream.ToolCallDelta;
import dev.sluice.stream.Usage;
import dev.sluice.stream.UsageReport;
import java.util.ArrayDeque;
import java.util.List;

/**
 * What a decoder has made of one upstream stream so far: the canonical events ready to be read, and
 * what the end will say. The decoder writes, {@link HttpEventStream} reads; one per call, used by the
 * reading thread only.
 *
 * <p>Every wire format ends the same way, so the ending is here, once: the usage last reported becomes
 * one {@link UsageReport} before exactly one terminal event, on a failure too (tokens the upstream
 * already accounted for were used even though the stream failed); a finish without a reason of its
 * own is {@link FinishReason#TOOL_CALLS} if a tool call was seen, else {@link FinishReason#STOP}.
 * Anything added after the terminal event is ignored.
 */
public final class DecodedEvents {
  /** One upstream event decodes to a handful of events at most; the queue never grows past that. */
  private final ArrayDeque<StreamEvent> ready = new ArrayDeque<>(8);
  private boolean started;
  private boolean sawToolCall;
  private boolean sawEnd;
  private boolean terminated;
  private FinishReason heldFinish;
  private Usage usage;

  /** Queues a decoded event; a {@link Started} marks the stream started, a tool call delta that tools were called. */
  public void add(StreamEvent event) {
    if (terminated) return;
    if (event instanceof Started) started = true;
    if (event instanceof ToolCallDelta) sawToolCall = true;
    ready.add(event);
  }

  /** {@link #add}s each of {@code events}, in order (by index: a chunk's events allocate no iterator). */
  public void addAll(List<? extends StreamEvent> events) {
    for (int i = 0; i < events.size(); i++) add(events.get(i));
  }

  /** The next decoded event, or null when the events decoded so far have all been taken. */
  public StreamEvent poll() {
    return ready.poll();
  }

  /** True while a decoded event waits to be {@linkplain #poll taken}. */
  public boolean hasReady() {
    return !ready.isEmpty();
  }

  /** True once a {@link Started} was queued. */
  public boolean started() {
    return started;
  }

  /** True once a terminal event has been queued: nothing more is read. */
  public boolean terminated() {
    return terminated;
  }

  /** True once the upstream's own terminator arrived ({@code [DONE]}, {@code message_stop}). */
  public boolean sawEnd() {
    return sawEnd;
  }

  /** Records that the upstream's own terminator arrived, whatever the decoder makes of it. */
  public void markEnd() {
    sawEnd = true;
  }

  /** The usage the upstream reported last, replacing any earlier report; reported once, at the end. */
  public void usage(Usage latest) {
    usage = latest;
  }

  /** Holds the upstream's finish reason for the end (a later one replaces it). */
  public void holdFinish(FinishReason reason) {
    heldFinish = reason;
  }

  /** True if a finish reason is held: the answer itself is complete. */
  public boolean holdsFinish() {
    return heldFinish != null;
  }

  /** Ends with the usage so far and {@link Finished}, for the held reason or the one the stream implies. */
  public void finish() {
    end(new Finished(heldFinish != null ? heldFinish : sawToolCall ? FinishReason.TOOL_CALLS : FinishReason.STOP));
  }

  /** Ends with the usage so far and {@link Failed}. */
  public void fail(GatewayError error) {
    end(new Failed(error));
  }

  private void end(StreamEvent terminal) {
    if (terminated) return;
    if (usage != null) ready.add(new UsageReport(usage));
    ready.add(terminal);
    terminated = true;
  }
}
