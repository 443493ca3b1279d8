package dev.sluice.policy;

import dev.sluice.provider.EventStream;
import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.Failed;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.Started;
import dev.sluice.stream.StreamEvent;
import dev.sluice.stream.TextDelta;
import dev.sluice.stream.ToolCallDelta;
import dev.sluice.stream.UsageReport;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mid-stream failover ({@link Resilience.MidStream#CONTINUE}) over the {@link RetryingStream}s of one
 * request: when the answering attempt fails after some text was handed out, the chain is run again
 * (retries, breakers, fallbacks as before) with a request to continue ({@link Continuation}), and
 * only the continuation is relayed: its start and usage are dropped (the client has a start; the
 * usage is then estimated), and a detected repetition of the sent text is trimmed. If the
 * continuation fails before its first token, the stream ends with that failure.
 *
 * <p>Only text answers continue: once a tool call, a refusal or reasoning was handed out, a failure
 * ends the stream as it would without failover. Read by one thread, cancelled from any; the first
 * cancel reason is sticky and reaches the running segment, and no segment starts after it.
 */
final class ContinuingStream implements EventStream {
  private static final Logger log = LoggerFactory.getLogger(ContinuingStream.class);

  private final ChatRequest original;
  /** Opens the chain for a request: the original first, then each continuation. */
  private final Function<ChatRequest, RetryingStream> chain;
  private final int maxContinuations;

  private final AtomicReference<GatewayError> cancelReason = new AtomicReference<>();
  private final Object lock = new Object();
  /** The segment being read: the original's chain, then a continuation's; guarded by {@link #lock}. */
  private RetryingStream segment;

  // Reading thread only.
  private final ArrayDeque<StreamEvent> ready = new ArrayDeque<>(4);
  private boolean ended;
  /** The answer's text handed out so far. */
  private final StringBuilder sent = new StringBuilder();
  /** False once something that cannot be continued was handed out (a tool call, a refusal, reasoning). */
  private boolean continuable = true;
  /** Whether the segment being read is a continuation, whose start and usage are not relayed. */
  private boolean continuing;
  private int continuations;
  /** Failed attempts of the segments closed so far; read by the relay once the stream ended. */
  private volatile int earlierRetries;

  /** @param maxContinuations how many times one stream may fail over */
  ContinuingStream(ChatRequest original, Function<ChatRequest, RetryingStream> chain, int maxContinuations) {
    this.original = original;
    this.chain = chain;
    this.maxContinuations = maxContinuations;
    this.segment = chain.apply(original);
  }

  @Override
  public StreamEvent next() {
    if (ended) return null;
    StreamEvent event = ready.poll();
    if (event == null) event = fromSegment();
    if (event == null) {
      // A segment returns null only after its terminal event, which ended this stream too.
      event = new Failed(GatewayError.of(ErrorType.INTERNAL, "upstream stream ended without a terminal event"));
    }
    if (event.isTerminal()) {
      ended = true;
      ready.clear();
      closeSegment();
    } else if (continuable) {
      switch (event) {
        case TextDelta t when t.channel() == TextDelta.Channel.CONTENT -> sent.append(t.text());
        case TextDelta t -> continuable = false;
        case ToolCallDelta c -> continuable = false;
        default -> { }
      }
    }
    return event;
  }

  /**
   * Ready when an event is held, or the segment has one ready that is handed out as it is: not a
   * failure (which may start a continuation, a wait) nor a continuation's start or usage (skipped,
   * so the wait would be for the event after).
   */
  @Override
  public boolean ready() {
    if (ended) return false;
    if (!ready.isEmpty()) return true;
    RetryingStream reading = current();
    StreamEvent next = reading == null ? null : reading.peekReady();
    return next != null && !(next instanceof Failed)
        && !(continuing && (next instanceof Started || next instanceof UsageReport));
  }

  private StreamEvent fromSegment() {
    RetryingStream reading = current();
    if (reading == null) {
      GatewayError reason = cancelReason.get();
      return new Failed(reason != null ? reason : GatewayError.of(ErrorType.CANCELLED, "stream closed"));
    }
    StreamEvent event = read(reading);
    if (event instanceof Failed f && reading.answered() && continuable && !sent.isEmpty()
        && continuations < maxContinuations && cancelReason.get() == null && RetryPolicy.retryable(f.error())) {
      return continueAfter(reading, f);
    }
    return event;
  }

  /** The segment's next event, without a continuation's start and usage. */
  private StreamEvent read(RetryingStream reading) {
    StreamEvent event = reading.next();
    while (continuing && (event instanceof Started || event instanceof UsageReport)) event = reading.next();
    return event;
  }

  /** The answering attempt of {@code failed} broke after {@link #sent}: runs the chain for a continuation. */
  private StreamEvent continueAfter(RetryingStream failed, Failed failure) {
    log.info("{}: stream failed after {} characters ({}); asking for a continuation", original.model(),
        sent.length(), failure.error().message());
    failed.close();
    continuations++;
    continuing = true;
    RetryingStream next;
    synchronized (lock) {
      segment = null;
      earlierRetries += failed.retries();
      GatewayError stop = cancelReason.get();
      if (stop != null) return new Failed(stop);
      next = chain.apply(Continuation.request(original, sent.toString()));
      segment = next;
    }
    StreamEvent first = read(next);
    if (first == null || !next.answered()) return first;
    ready.add(first);
    trimRepetition(next);
    StreamEvent held = ready.poll();
    return held != null ? held : fromSegment();
  }

  /** Holds back the continuation's first text and drops what repeats {@link #sent}. */
  private void trimRepetition(RetryingStream continuation) {
    int lookahead = Continuation.lookahead(sent);
    var text = new StringBuilder();
    var after = new ArrayDeque<StreamEvent>();
    for (StreamEvent e : ready) {
      if (after.isEmpty() && isContent(e)) text.append(((TextDelta) e).text());
      else after.add(e);
    }
    ready.clear();
    String already = sent.toString();
    // Hold back the lookahead; beyond it, keep holding while the continuation could still be a restart
    // (a prefix of what was sent), which is bounded by the length of the sent text.
    while (after.isEmpty() && (text.length() < lookahead
        || (text.length() < already.length() && already.startsWith(text.toString())))) {
      StreamEvent e = read(continuation);
      if (e == null) break;
      if (isContent(e)) text.append(((TextDelta) e).text());
      else after.add(e);
    }
    int drop = Continuation.repeated(already, text.toString());
    if (drop > 0) log.info("{}: dropped {} repeated characters from the continuation", original.model(), drop);
    if (drop < text.length()) ready.add(TextDelta.content(text.substring(drop)));
    ready.addAll(after);
  }

  private static boolean isContent(StreamEvent e) {
    return e instanceof TextDelta t && t.channel() == TextDelta.Channel.CONTENT;
  }

  private RetryingStream current() {
    synchronized (lock) {
      return segment;
    }
  }

  @Override
  public int retries() {
    RetryingStream reading = current();
    return earlierRetries + (reading == null ? 0 : reading.retries());
  }

  @Override
  public void cancel(GatewayError reason) {
    if (reason == null) throw new IllegalArgumentException("reason is required");
    if (!cancelReason.compareAndSet(null, reason)) return;
    RetryingStream reading = current();
    if (reading != null) reading.cancel(reason);
  }

  @Override
  public void close() {
    if (!ended) cancel(GatewayError.of(ErrorType.CANCELLED, "stream closed before its end"));
    closeSegment();
  }

  private void closeSegment() {
    RetryingStream reading;
    synchronized (lock) {
      reading = segment;
      segment = null;
    }
    if (reading == null) return;
    reading.close();
    earlierRetries += reading.retries();
  }
}
