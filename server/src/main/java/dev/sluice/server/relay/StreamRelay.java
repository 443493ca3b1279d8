package dev.sluice.server.relay;

import dev.sluice.dialect.EventSink;
import dev.sluice.dialect.StreamContext;
import dev.sluice.dialect.StreamEncoder;
import dev.sluice.provider.EventStream;
import dev.sluice.server.config.Timeouts;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.Failed;
import dev.sluice.stream.FinishReason;
import dev.sluice.stream.Finished;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.Started;
import dev.sluice.stream.StreamEvent;
import dev.sluice.stream.TextDelta;
import dev.sluice.stream.ToolCallDelta;
import dev.sluice.stream.Usage;
import dev.sluice.stream.UsageReport;
import dev.sluice.usage.UsageMeter;
import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one stream on the calling (virtual) thread: reads the upstream, meters usage, encodes, and
 * writes to the client, each step blocking. The write blocks on a slow client, so the upstream is
 * not read meanwhile and TCP slows it down: no queue to overflow, nothing dropped.
 *
 * <p>Failures are honest: before anything was written a failure becomes the dialect's error
 * response with its HTTP status; after, the dialect's in-stream error, never a normal end. A client
 * that goes away (seen by the {@link DisconnectWatch} or a failed write) cancels the upstream and
 * nothing more is written.
 *
 * <p>The events of one upstream read leave in one write: each is framed into the channel's batch,
 * which is written when the upstream has nothing more {@linkplain EventStream#ready ready}, so an
 * event that arrived is never held back while the relay waits.
 *
 * <p>What happens is reported to one {@link RelayListener} (telemetry, the ledger, the lifecycle's
 * open streams); nothing wraps the upstream stream to watch it. The outcome is decided once, before
 * the client can see the end, and is what the relay returns whatever happens after.
 */
public final class StreamRelay {
  private static final Logger log = LoggerFactory.getLogger(StreamRelay.class);

  /** Renders an error that happened before anything was written, as a whole response. */
  @FunctionalInterface
  public interface ErrorResponder {
    void respond(GatewayError error, ClientChannel channel) throws IOException;
  }

  private final RelayTimer timer;
  private final EventStream source;
  private final UsageMeter meter;
  private final StreamContext context;
  private final Timeouts timeouts;
  private final Duration heartbeat;
  private final RelayListener listener;
  /** How the stream ended, once decided; never changed after. */
  private Outcome outcome;
  /** Set once every listener took the outcome: an exception after that does not change it. */
  private boolean outcomeTold;
  /** With {@code on_client_abort: drain}: how long to read on after the client left; null cancels at once. */
  private Duration drain;
  /** Set from the disconnect watch's thread when the client left while the relay waited for the upstream. */
  private volatile boolean clientGone;
  /** The running loop's deadlines. */
  private StreamDeadlines deadlines;

  /**
   * @param timer the gateway's timer, for this stream's deadlines, heartbeats and drain cap
   * @param listener told what happens, on the relay's thread (see {@link RelayListener} for the order)
   */
  public StreamRelay(RelayTimer timer, EventStream source, UsageMeter meter, StreamContext context, Timeouts timeouts,
      Duration heartbeat, RelayListener listener) {
    this.timer = timer;
    this.source = source;
    this.meter = meter;
    this.context = context;
    this.timeouts = timeouts;
    this.heartbeat = heartbeat;
    this.listener = listener;
  }

  /**
   * Reads on for up to {@code max} after the client leaves, sending nothing, to learn the provider's
   * real usage, instead of cancelling the upstream at once. Pair with {@link #clientGone} as the
   * disconnect watch's hook.
   */
  public StreamRelay drainOnAbort(Duration max) {
    this.drain = max;
    return this;
  }

  /** The client left (seen by the disconnect watch); with drain the relay reads on, else see {@link #cancel}. */
  public void clientGone() {
    clientGone = true;
  }

  /**
   * Ends the stream from any thread: cancels the upstream, so the relay reads {@code Failed(reason)}
   * next and ends the stream with it (the client left, a deadline, a stop past its drain).
   */
  public void cancel(GatewayError reason) {
    source.cancel(reason);
  }

  /** Relays as a stream of Server-Sent Events in one dialect. */
  public Outcome stream(StreamEncoder encoder, ClientChannel channel, ErrorResponder early) {
    return run(new Delivery() {
      private final EventSink batch = channel.batched();

      @Override
      public void deliver(StreamEvent event) throws IOException {
        encoder.encode(event, batch);
      }

      @Override
      public void flush() throws IOException {
        channel.flush();
      }

      @Override
      public void complete() throws IOException {
        // The time to first token and Sluice's own part of it, as a comment every SSE client skips;
        // written with the last events and the end, in one write.
        batch.comment(timing());
        channel.finish();
      }
    }, encoder, channel, Target.of(channel, early));
  }

  /**
   * Relays into a replay log rather than to a client: the stream's events, then its end, or its
   * early failure. The log's readers deliver them; heartbeats are theirs to send.
   */
  public Outcome log(StreamEncoder encoder, EventLog log) {
    return run(new Delivery() {
      @Override
      public void deliver(StreamEvent event) throws IOException {
        encoder.encode(event, log);
      }

      @Override
      public void complete() throws IOException {
        log.end(timing());
      }
    }, encoder, null, new Target(log, log::started, () -> log.end(null), log::failEarly));
  }

  private String timing() {
    return "sluice-timing ttft_ms=" + millis(context.ttftMillis()) + " overhead_ms=" + millis(context.overheadMillis());
  }

  /** Writes a whole response. */
  @FunctionalInterface
  public interface Responder {
    void respond() throws IOException;
  }

  /** Relays into one whole response (a dialect's non-streaming answer), built by {@code collector}. */
  public Outcome collect(Consumer<StreamEvent> collector, Responder respond, ClientChannel channel, ErrorResponder early) {
    return run(new Delivery() {
      @Override
      public void deliver(StreamEvent event) {
        collector.accept(event);
      }

      @Override
      public void complete() throws IOException {
        channel.header("Server-Timing", "ttft;dur=" + millis(context.ttftMillis()) + ", overhead;dur="
            + millis(context.overheadMillis()));
        respond.respond();
      }
    }, null, null, Target.of(channel, early));
  }

  /** What a failure is told to: a sink for an in-stream error, or whoever answers one before the first byte. */
  private record Target(EventSink sink, BooleanSupplier committed, Finisher finish,
      EarlyFailure early) {
    static Target of(ClientChannel channel, ErrorResponder early) {
      return new Target(channel, channel::committed, channel::finish, error -> early.respond(error, channel));
    }
  }

  @FunctionalInterface
  private interface Finisher {
    void finish() throws IOException;
  }

  @FunctionalInterface
  private interface EarlyFailure {
    void respond(GatewayError error) throws IOException;
  }

  /** Where the events of a successful stream go, and how its response ends. */
  private interface Delivery {
    /** Hands one event on; it may wait in a batch until {@link #flush}. */
    void deliver(StreamEvent event) throws IOException;

    /** Sends what waits in a batch: the upstream has nothing more ready. */
    default void flush() throws IOException {}

    void complete() throws IOException;
  }

  /**
   * The one relay loop.
   *
   * @param inStream the encoder for an in-stream error once the response is committed, or null
   * @param heartbeats the channel to send heartbeats to while quiet, or null for a whole response
   */
  private Outcome run(Delivery delivery, StreamEncoder inStream, ClientChannel heartbeats, Target target) {
    var deadlines = new StreamDeadlines(timer, timeouts, heartbeat, this::cancel, heartbeats);
    this.deadlines = deadlines;
    deadlines.start();
    long askedAt = System.nanoTime();
    try {
      listener.streamStarted(this);
      StreamEvent event;
      while ((event = read()) != null) {
        if (clientGone) {
          GatewayError gone = GatewayError.clientDisconnected("connection closed");
          if (event instanceof Finished) return end(Outcome.Status.ABORTED, null, gone, meter.usage());
          if (event.isTerminal()) return end(Outcome.Status.ABORTED, null, gone, meter.unfinishedUsage());
          return drained(gone);
        }
        context.upstreamFirstToken(System.nanoTime() - askedAt);
        // What came before the end leaves before the outcome is recorded, which may wait on the ledger.
        if (event.isTerminal()) delivery.flush();
        if (event instanceof Failed failed) return fail(failed.error(), inStream, target);
        if (event instanceof TextDelta || event instanceof ToolCallDelta) context.firstTokenSent(System.nanoTime());
        if (event instanceof Finished finished) {
          Outcome done = end(Outcome.Status.COMPLETED, finished.reason(), null, meter.usage());
          if (!meter.reported()) delivery.deliver(new UsageReport(done.usage()));
          delivery.deliver(event);
          delivery.complete();
          return done;
        }
        deadlines.delivering();
        delivery.deliver(event);
        // The write waits for the last event of what the upstream sent: one write per read, not per event.
        if (!source.ready()) delivery.flush();
        deadlines.delivered();
      }
      throw new IllegalStateException("stream ended without a terminal event");
    } catch (IOException clientGone) {
      if (outcome != null) {
        // The client left during the last writes: the stream had ended, and its outcome stands.
        log.debug("client left during the last writes: {}", clientGone.toString());
        return outcome;
      }
      return aborted(clientGone);
    } catch (RuntimeException e) {
      // A listener that refused the outcome (a row that cannot be made durable) fails the request.
      if (!outcomeTold) throw e;
      // Every listener was told the outcome: it stands, and the response, unfinished, is cut.
      log.error("the relay failed after its stream ended {}", outcome.status().word(), e);
      return outcome;
    } finally {
      if (outcome == null) {
        // An unexpected exception: the row still says how the request ended.
        end(Outcome.Status.FAILED, null, GatewayError.of(ErrorType.INTERNAL, "the relay failed"), meter.unfinishedUsage());
      }
      deadlines.stop();
      try {
        source.close();
      } finally {
        listener.streamClosed(this);
      }
    }
  }

  /** The upstream's next event, told to the deadlines, the meter and the listener; null after the terminal one. */
  private StreamEvent read() {
    StreamEvent event = source.next();
    if (event == null) return null;
    if (event instanceof TextDelta || event instanceof ToolCallDelta) listener.chunkRead(System.nanoTime());
    else if (event instanceof Started started) listener.upstreamStarted(started);
    deadlines.onEvent();
    meter.observe(event);
    return event;
  }

  /**
   * The client left and the route drains: reads the upstream to its end (nothing is sent) for up to
   * {@link #drain}, then cancels it. A stream that finished in time has the provider's own usage.
   */
  private Outcome drained(GatewayError reason) {
    GatewayError capReached = GatewayError.clientDisconnected("drain limit of " + drain.toMillis() + " ms reached");
    RelayTimer.Armed cap = timer.after(drain.toNanos(), () -> cancel(capReached));
    deadlines.stopHeartbeats();
    try {
      StreamEvent event;
      while ((event = read()) != null) {
        if (event instanceof Finished) return end(Outcome.Status.ABORTED, null, reason, meter.usage());
        if (event.isTerminal()) break;
      }
      return end(Outcome.Status.ABORTED, null, reason, meter.unfinishedUsage());
    } finally {
      cap.disarm();
    }
  }

  /** Milliseconds with two decimals, or {@code -1} when unknown (no token was ever sent). */
  private static String millis(double ms) {
    return ms < 0 ? "-1" : String.format(Locale.ROOT, "%.2f", ms);
  }

  private Outcome aborted(IOException clientGone) {
    GatewayError reason = GatewayError.clientDisconnected(String.valueOf(clientGone.getMessage()));
    if (drain != null) return drained(reason);
    cancel(reason);
    return end(Outcome.Status.ABORTED, null, reason, meter.unfinishedUsage());
  }

  private Outcome fail(GatewayError error, StreamEncoder encoder, Target target) {
    Outcome outcome = end(Outcome.Status.ofFailure(error), null, error, meter.unfinishedUsage());
    if (!error.clientGone()) {
      try {
        if (!target.committed().getAsBoolean()) {
          target.early().respond(error);
        } else if (encoder != null) {
          encoder.encode(new Failed(error), target.sink());
          target.finish().finish();
        }
      } catch (IOException e) {
        log.debug("client left while being told of a failure: {}", e.toString());
      }
    }
    return outcome;
  }

  /**
   * Decides the outcome and tells the listener, once; called before anything says the stream ended.
   * Later calls return the outcome decided first.
   */
  private Outcome end(Outcome.Status status, FinishReason reason, GatewayError error, Usage usage) {
    if (outcome != null) return outcome;
    double ttft = context.ttftMillis();
    outcome = new Outcome(status, reason, error, usage, meter.answeringModel(), source.retries(),
        ttft < 0 ? -1 : Math.round(ttft));
    listener.streamEnding(outcome);
    outcomeTold = true;
    return outcome;
  }
}
