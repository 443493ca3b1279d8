package dev.sluice.server.endpoint;

import dev.sluice.dialect.StreamContext;
import dev.sluice.dialect.StreamEncoder;
import dev.sluice.dialect.browser.BrowserRequestDecoder;
import dev.sluice.dialect.browser.BrowserStreamEncoder;
import dev.sluice.provider.EventStream;
import dev.sluice.server.guard.Caller;
import dev.sluice.server.http.Exchange;
import dev.sluice.server.http.Gateway;
import dev.sluice.server.http.QueryParameters;
import dev.sluice.server.http.RequestBodies;
import dev.sluice.server.relay.ClientChannel;
import dev.sluice.server.relay.Outcome;
import dev.sluice.server.relay.StreamRelay;
import dev.sluice.server.resume.Follower;
import dev.sluice.server.resume.ReplayLog;
import dev.sluice.server.resume.ResumableStream;
import dev.sluice.server.resume.ResumePoint;
import dev.sluice.server.resume.StreamAccess;
import dev.sluice.server.resume.StreamIds;
import dev.sluice.server.resume.StreamRegistry;
import dev.sluice.server.upstream.Upstreams;
import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.Failed;
import dev.sluice.stream.Finished;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.GatewayException;
import dev.sluice.usage.UsageMeter;
import java.io.IOException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The browser dialect: {@code GET /api/chat/stream} for {@code EventSource}, {@code POST /api/chat}
 * for {@code fetch}, {@code GET /api/streams/{id}} to resume a stream and {@code DELETE
 * /api/streams/{id}} to abort one at once.
 *
 * <p>Generation is decoupled from delivery: a generator thread relays the upstream into the
 * stream's {@link ReplayLog}, and the request's own thread follows the log to the client. A client
 * that reconnects with {@code Last-Event-ID: <streamId>:<seq>} (an {@code EventSource} does so by
 * itself) follows the same log from {@code seq + 1}: no second generation, no second bill.
 *
 * <p>{@code EventSource} cannot read an error response's body, so the GET endpoint always answers
 * a new stream with an event stream and reports even bad input as an {@code {"error": ...}} event;
 * the POST endpoint answers bad input with a 4xx and the same JSON.
 */
public final class BrowserEndpoint {
  private static final Logger log = LoggerFactory.getLogger(BrowserEndpoint.class);

  private final Gateway gateway;

  public BrowserEndpoint(Gateway gateway) {
    this.gateway = gateway;
  }

  /** A new stream, or the resume of one when the request names a last event id. */
  public Outcome stream(Exchange exchange, boolean eventSource) throws IOException {
    Map<String, String> query;
    try {
      query = QueryParameters.of(exchange.request());
    } catch (GatewayException e) {
      return ApiEndpoint.reject(gateway, exchange, null, e.error(), responder(eventSource));
    }
    String lastEventId = lastEventId(exchange, query);
    if (lastEventId != null) {
      // A resume, not a new stream: a bad resume point is a real 400 even to EventSource, which
      // then stops reconnecting rather than retrying a request that cannot succeed.
      try {
        ResumePoint point = ResumePoint.parse(lastEventId);
        if (!eventSource) RequestBodies.read(exchange.request(), gateway.config().maxBodyBytes());
        follow(exchange, point, eventSource);
      } catch (GatewayException e) {
        respondJson(exchange.channel(), e.error());
      }
      return null;
    }
    ChatRequest request = null;
    Upstreams.Call call;
    try {
      if (eventSource) {
        request = BrowserRequestDecoder.fromQuery(query);
      } else {
        RequestBodies.requireJson(exchange.request());
        request = BrowserRequestDecoder.fromJson(RequestBodies.read(exchange.request(), gateway.config().maxBodyBytes()));
      }
      exchange.account().reservation(gateway.guard().admit(exchange.account().caller(), exchange.clientAddress(), request));
      exchange.watch().watchReads();
      call = gateway.upstreams().open(request, exchange.telemetry().attempts());
    } catch (GatewayException e) {
      return ApiEndpoint.reject(gateway, exchange, request, e.error(), responder(eventSource));
    }
    String streamId = StreamIds.next();
    var context = new StreamContext(streamId, exchange.acceptedAtNanos());
    StreamRegistry streams = gateway.streams();
    StreamAccess owner = access(exchange.account().caller());
    ReplayLog replay = streams.newLog(streamId, owner.owner());
    EventStream source = call.source();
    var stream = new ResumableStream(streamId, replay, source, streams.settings().grace(), streams.timers(),
        () -> streams.followedElsewhere(streamId));
    // The row is committed before the terminal event enters the log, so before any reader can send it.
    var relay = new StreamRelay(gateway.relayTimer(), source, new UsageMeter(request), context, call.watchdog(),
        gateway.config().heartbeat(), RelayListeners.of(gateway, exchange, request.model(), true));
    // Priced by the model that answered, which may be a fallback; sim answers cost nothing.
    var browser = new BrowserStreamEncoder(context, gateway.accountant().prices()::usd);
    // The stream stops being abortable as its terminal event is logged: a client that saw the end
    // cannot still abort it.
    StreamEncoder encoder = (event, sink) -> {
      if (event instanceof Finished || event instanceof Failed) stream.ending();
      browser.encode(event, sink);
    };
    streams.add(stream, owner.owner());
    ReplayLog.Cursor cursor = attachFromStart(stream);
    // Its upstream attempts still nest under the request's span: their listener carries its trace context.
    Thread.ofVirtual().name("sluice-generate-" + streamId).start(() -> generate(stream, relay, encoder));
    deliver(exchange, stream.id(), cursor, () -> stream.detach(cursor), eventSource);
    // The generation's outcome (its ledger row) belongs to the request that started it, whenever it ends.
    return stream.outcome().join();
  }

  /** {@code GET /api/streams/{id}}: replays from {@code Last-Event-ID}, {@code ?lastEventId=}, {@code ?after=}, or the start. */
  public void resume(Exchange exchange, String streamId) throws IOException {
    ResumePoint point;
    try {
      Map<String, String> query = QueryParameters.of(exchange.request());
      String lastEventId = lastEventId(exchange, query);
      if (lastEventId != null) {
        point = ResumePoint.parse(lastEventId);
        if (!point.streamId().equals(streamId)) {
          throw new GatewayException(GatewayError.invalid("Last-Event-ID",
              "Last-Event-ID names stream '" + point.streamId() + "', not '" + streamId + "'."));
        }
      } else {
        point = ResumePoint.after(streamId, query.get("after"));
      }
    } catch (GatewayException e) {
      respondJson(exchange.channel(), e.error());
      return;
    }
    follow(exchange, point, true);
  }

  /** {@code DELETE /api/streams/{id}}: 204 when a running stream was aborted, 404 when none runs. */
  public void abort(Exchange exchange, String streamId) throws IOException {
    boolean found;
    try {
      found = gateway.streams().abort(streamId, access(exchange.account().caller()));
    } catch (GatewayException e) {
      respondJson(exchange.channel(), e.error());
      return;
    }
    if (found) {
      exchange.channel().respond(204, null, "", null);
    } else {
      respondJson(exchange.channel(), GatewayError.of(ErrorType.NOT_FOUND, "No running stream has the id '" + streamId + "'."));
    }
  }

  /** Follows a known stream from a resume point: 404 if the stream is unknown here or expired. */
  private void follow(Exchange exchange, ResumePoint point, boolean eventSource) throws IOException {
    exchange.watch().watchReads();
    // A stream another caller owns is, to this one, no stream at all (404).
    StreamAccess access = access(exchange.account().caller());
    ResumableStream stream = gateway.streams().get(point.streamId(), access);
    Follower follower;
    Runnable detach;
    try {
      if (stream != null) {
        ReplayLog.Cursor cursor = stream.attach(point.afterSeq());
        follower = cursor;
        detach = () -> stream.detach(cursor);
      } else {
        follower = gateway.streams().followElsewhere(point.streamId(), point.afterSeq(), access);
        detach = follower == null ? null : follower::close;
      }
    } catch (ReplayLog.Gone gone) {
      sendGone(exchange.channel(), point, gone);
      return;
    } catch (GatewayException e) {
      respondJson(exchange.channel(), e.error());
      return;
    }
    if (follower == null) {
      respondJson(exchange.channel(), GatewayError.of(ErrorType.NOT_FOUND,
          "No stream has the id '" + point.streamId() + "' (unknown, or ended more than "
              + gateway.streams().settings().retention().toSeconds() + " s ago)."));
      return;
    }
    deliver(exchange, point.streamId(), follower, detach, eventSource);
  }

  /** What {@code caller} may reach of the browser streams: the ones it started (the admin key: all). */
  private static StreamAccess access(Caller caller) {
    return switch (caller) {
      case Caller.Key(var key) -> StreamAccess.ofKey(key.id());
      case Caller.Admin() -> StreamAccess.ADMIN;
      case Caller.Open() -> StreamAccess.ANYONE;
    };
  }

  private static ReplayLog.Cursor attachFromStart(ResumableStream stream) {
    try {
      return stream.attach(-1);
    } catch (ReplayLog.Gone impossible) {
      throw new IllegalStateException("a new log dropped its first event", impossible);
    }
  }

  /** The generator: relays the upstream into the log, on its own thread, until the stream ends. */
  private static void generate(ResumableStream stream, StreamRelay relay, StreamEncoder encoder) {
    ReplayLog replay = stream.log();
    Outcome result;
    try {
      result = relay.log(encoder, replay);
    } catch (RuntimeException | Error e) {
      log.error("stream {} failed", stream.id(), e);
      result = Outcome.failed(GatewayError.of(ErrorType.INTERNAL, "Sluice failed this stream."));
    }
    try {
      if (stream.running()) {
        // No terminal event was logged (the client was gone, or the relay broke): log one, so that a
        // later resume still sees how the stream ended.
        GatewayError error = result.error() != null ? result.error() : GatewayError.of(ErrorType.INTERNAL, "stream ended");
        if (replay.started()) encoder.encode(new Failed(error), replay);
        else replay.failEarly(error);
      }
    } catch (IOException | RuntimeException e) {
      log.debug("stream {}: could not log its end: {}", stream.id(), e.toString());
    } finally {
      try {
        replay.end(null);
      } catch (RuntimeException e) {
        // The log's mirror failed (Redis): the stream still ends here, or its request would wait forever.
        log.warn("stream {}: could not end its replay log: {}", stream.id(), e.toString());
      } finally {
        stream.finished(result);
      }
    }
  }

  /** Follows the log to this client until the log ends or the client leaves. */
  private void deliver(Exchange exchange, String streamId, Follower cursor, Runnable detach, boolean eventSource)
      throws IOException {
    ClientChannel channel = exchange.channel();
    exchange.watch().onGone(detach);
    long heartbeat = gateway.config().heartbeat().isZero() ? Long.MAX_VALUE : gateway.config().heartbeat().toNanos();
    try {
      while (true) {
        ReplayLog.Step step = cursor.next(heartbeat);
        switch (step) {
          case ReplayLog.Event e -> channel.framed(e.sse());
          case ReplayLog.End end -> {
            // Off the log before the last byte goes out, so the connection is free for its next request.
            detach.run();
            if (end.earlyError() != null) {
              if (channel.committed()) {
                channel.event(null, null, BrowserStreamEncoder.errorData(end.earlyError()));
                channel.finish();
              } else {
                responder(eventSource).respond(end.earlyError(), channel);
              }
            } else {
              if (end.trailer() != null) channel.comment(end.trailer());
              channel.finish();
            }
            return;
          }
          case ReplayLog.Signal signal -> {
            if (signal == ReplayLog.CLOSED) return;
            channel.comment("ping");
          }
        }
      }
    } catch (ReplayLog.Gone gone) {
      sendGone(channel, new ResumePoint(streamId, -1), gone);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException clientGone) {
      // The client left mid-write; the stream goes on for its grace period, for a resume.
      log.debug("stream {}: client left: {}", streamId, clientGone.toString());
    } finally {
      detach.run();
    }
  }

  private static void sendGone(ClientChannel channel, ResumePoint point, ReplayLog.Gone gone) throws IOException {
    GatewayError error = GatewayError.of(ErrorType.NOT_FOUND, "Stream '" + point.streamId() + "' can no longer be resumed"
        + (point.afterSeq() < 0 ? "" : " after event " + point.afterSeq())
        + ": its replay log keeps events from " + gone.firstKept() + " on.");
    channel.event(null, null, BrowserStreamEncoder.errorData(error));
    channel.finish();
  }

  private static String lastEventId(Exchange exchange, Map<String, String> query) {
    String header = exchange.request().getHeaders().get("Last-Event-ID");
    if (header != null && !header.isBlank()) return header.trim();
    return query.get("lastEventId");
  }

  private static void respondJson(ClientChannel channel, GatewayError error) throws IOException {
    channel.respond(error.httpStatus(), "application/json", BrowserStreamEncoder.errorData(error), error.retryAfter());
  }

  private static StreamRelay.ErrorResponder responder(boolean eventSource) {
    if (eventSource) return (error, channel) -> {
      channel.event(null, null, BrowserStreamEncoder.errorData(error));
      channel.finish();
    };
    return (error, channel) -> respondJson(channel, error);
  }
}
