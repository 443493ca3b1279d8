package dev.sluice.server.relay;

import dev.sluice.dialect.EventSink;
import dev.sluice.sse.SseWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.IdleTimeout;
import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.BufferUtil;

/**
 * The client's side of one stream: frames events as Server-Sent Events and writes them with
 * blocking writes. A client that reads slowly parks the writing thread, which stops reading the
 * upstream: backpressure with no queue.
 *
 * <p>The relay hands events to {@link #batched()}, which frames them into one buffer, written by
 * {@link #flush()} (when the upstream has nothing more ready) or once it holds {@link #BATCH_BYTES}:
 * the events of one upstream read leave in one write instead of one write each, and nothing here
 * holds more than that buffer and the event being framed. Every other write sends what is batched
 * first, in order.
 *
 * <p>Two threads may write: the stream's own and a heartbeat's; a per-stream lock orders them. The
 * first write failure is sticky: every later write fails the same way. Nothing is written after
 * the last write; a stream that committed and never made its last write was {@linkplain #cutShort
 * cut short}, and its response must be aborted, not completed.
 */
public final class ClientChannel implements EventSink {
  private static final String EVENT_STREAM = "text/event-stream; charset=utf-8";
  /** The batch is written once it holds this many bytes, even if more events are ready. */
  static final int BATCH_BYTES = 16 * 1024;

  private final Response response;
  private final ReentrantLock lock = new ReentrantLock();
  /** Framed events not yet written (the batch), then the bytes of the write being made. */
  private final SseWriter writer = new SseWriter();
  private final EventSink batch = new Batch();
  private volatile boolean committed;
  private volatile long lastWriteNanos = System.nanoTime();
  private IOException failure;
  /** Set as the last write begins: nothing is written after it. Guarded by the lock; volatile for {@link #cutShort}. */
  private volatile boolean lastWritten;
  /** Run once, in order, just before the last write; added to by whoever must let go first. */
  private final List<Runnable> beforeLastWrite = new ArrayList<>(2);
  /** The dialect's own heartbeat event (type and data), or null for a {@code : ping} comment. */
  private String heartbeatType;
  private String heartbeatData;

  /** Counted up while a write of this channel is in progress (telemetry: streams blocked on a client). */
  private final AtomicInteger writesInProgress;
  /** Response body bytes handed to the connection so far, for the access log. */
  private volatile long bytesWritten;
  /** The connection, whose idle timer each write restarts (see {@link #write}). */
  private final EndPoint endPoint;
  /** On HTTP/2, the request's own stream, which has an idle timer of its own; null otherwise. */
  private final HttpStream h2Stream;

  public ClientChannel(Response response) {
    this(response, new AtomicInteger());
  }

  /** @param writesInProgress shared by all channels, up while any of them is in a write */
  public ClientChannel(Response response, AtomicInteger writesInProgress) {
    this.response = response;
    this.writesInProgress = writesInProgress;
    Request request = response.getRequest();
    this.endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
    HttpStream[] stream = new HttpStream[1];
    if (request.getConnectionMetaData().getHttpVersion() == HttpVersion.HTTP_2) {
      // Jetty hands the stream to a wrapper at once; this one only keeps it.
      request.addHttpStreamWrapper(s -> stream[0] = s);
    }
    this.h2Stream = stream[0];
  }

  /** Response body bytes written so far (those of a write in progress included). */
  public long bytesWritten() {
    return bytesWritten;
  }

  /**
   * Adds {@code hook} to run just before the response's last write, once: the disconnect watch must
   * let go of the connection before Jetty completes the response and reads the next request, and a
   * stream must leave the registry before its client can see that it ended.
   */
  public void beforeLastWrite(Runnable hook) {
    beforeLastWrite.add(hook);
  }

  /** True once the status and headers went out: errors from then on are in-stream. */
  public boolean committed() {
    return committed;
  }

  /**
   * Whether an idle timeout Jetty asks about means the client stopped accepting data: never. Jetty
   * itself fails a write that is pending when the timeout expires, and asks only when none is: a
   * stream that waits for its upstream is idle by design (the watchdog's deadlines, not the
   * connection's idle timeout, bound that wait), and a write that begins as Jetty asks was not
   * refused by the client (answering "a write is in progress" failed such a write at once).
   */
  public boolean idleTimeoutIsFatal(Throwable timeout) {
    return false;
  }

  /** {@link System#nanoTime()} of the last completed write (or of creation). */
  public long lastWriteNanos() {
    return lastWriteNanos;
  }

  @Override
  public void event(String type, String id, String data) throws IOException {
    send(w -> w.event(type, id, data), true);
  }

  @Override
  public void event(String type, String id, byte[] utf8, int off, int len) throws IOException {
    send(w -> w.event(type, id, utf8, off, len), true);
  }

  /**
   * The relay's view of this channel: each event is framed into the batch and sent by the next
   * {@link #flush} or any other write (at once if the batch is full). A failure of a write made
   * here is this channel's sticky failure.
   */
  public EventSink batched() {
    return batch;
  }

  /** Writes the batched events, if any. */
  public void flush() throws IOException {
    lock.lock();
    try {
      if (writer.size() > 0) writeFramed();
    } finally {
      lock.unlock();
    }
  }

  /** Frames one event or comment into the writer, after what is batched. */
  @FunctionalInterface
  private interface Framing {
    void frame(SseWriter writer);
  }

  /**
   * Frames under the lock (a heartbeat may write the batch meanwhile), then writes the batch with
   * it if {@code now} or if the batch is full.
   */
  private void send(Framing framing, boolean now) throws IOException {
    lock.lock();
    try {
      if (failure != null) throw failure;
      framing.frame(writer);
      if (now || writer.size() >= BATCH_BYTES) writeFramed();
      else commitStreamHeaders();
    } finally {
      lock.unlock();
    }
  }

  /** The batch as an {@link EventSink}. */
  private final class Batch implements EventSink {
    @Override
    public void event(String type, String id, String data) throws IOException {
      send(w -> w.event(type, id, data), false);
    }

    @Override
    public void event(String type, String id, byte[] utf8, int off, int len) throws IOException {
      send(w -> w.event(type, id, utf8, off, len), false);
    }

    @Override
    public void comment(String text) throws IOException {
      send(w -> w.comment(text), false);
    }
  }

  /**
   * Sends bytes that are already whole Server-Sent Events (framed once, when a replay log took
   * them), so that a replay costs no re-encoding.
   */
  public void framed(byte[] sse) throws IOException {
    lock.lock();
    try {
      if (writer.size() > 0) writeFramed();
      commitStreamHeaders();
      write(false, ByteBuffer.wrap(sse));
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void comment(String text) throws IOException {
    send(w -> w.comment(text), true);
  }

  /**
   * Makes heartbeats a named event instead of a comment, for a dialect that has its own keep-alive
   * event (Anthropic's {@code ping}, which its SDKs skip wherever it comes).
   */
  public void heartbeatAs(String type, String data) {
    this.heartbeatType = type;
    this.heartbeatData = data;
  }

  /**
   * Sends a heartbeat (with whatever is batched) unless another write is in progress, which is
   * activity enough, or the last write was made, after which nothing is written. Returns false if
   * the client is gone.
   */
  boolean heartbeat() {
    if (!lock.tryLock()) return true;
    try {
      if (lastWritten) return true;
      if (heartbeatType == null) writer.comment("ping");
      else writer.event(heartbeatType, null, heartbeatData);
      writeFramed();
      return true;
    } catch (IOException e) {
      return false;
    } finally {
      lock.unlock();
    }
  }

  /** Sets a response header; ignored once the response is committed (headers already went out). */
  public void header(String name, String value) {
    lock.lock();
    try {
      if (!committed) response.getHeaders().put(name, value);
    } finally {
      lock.unlock();
    }
  }

  /** Ends the event stream cleanly (the last chunk of a chunked response). */
  public void finish() throws IOException {
    lock.lock();
    try {
      commitStreamHeaders();
      // A stream whose every byte fits in its last write still goes out chunked, as an event
      // stream does, rather than with a length Jetty would compute for a body it has whole.
      if (writer.size() > 0 && !response.isCommitted()) writeFramed();
      writeAndEmpty(true);
    } finally {
      lock.unlock();
    }
  }

  /** Answers with a whole body instead of a stream; only before anything was committed. */
  public void respond(int status, String contentType, String body) throws IOException {
    respond(status, contentType, body, null);
  }

  /**
   * Answers with a whole body instead of a stream; only before anything was committed.
   *
   * @param contentType null for a response without a body type (204)
   * @param retryAfter sent as {@code Retry-After} in whole seconds, rounded up, when not null
   */
  public void respond(int status, String contentType, String body, Duration retryAfter) throws IOException {
    lock.lock();
    try {
      if (committed) throw new IllegalStateException("the response is already committed");
      committed = true;
      response.setStatus(status);
      if (contentType != null) response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
      if (retryAfter != null) {
        long seconds = Math.max(1, (retryAfter.toMillis() + 999) / 1000);
        response.getHeaders().put(HttpHeader.RETRY_AFTER, seconds);
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
      write(true, ByteBuffer.wrap(bytes));
    } finally {
      lock.unlock();
    }
  }

  /** Writes what the writer holds (the batch, and the event just framed after it). */
  private void writeFramed() throws IOException {
    commitStreamHeaders();
    writeAndEmpty(false);
  }

  /**
   * Writes what the writer holds, then empties it. The writer's buffer is a shared one it gives back
   * when emptied, which is safe once the write completed; after a failed write, which Jetty may still
   * be reading from, it is dropped instead, so that no other stream's bytes can go out in its place.
   */
  private void writeAndEmpty(boolean last) throws IOException {
    boolean written = false;
    try {
      write(last, writer.size() > 0 ? writer.buffer() : BufferUtil.EMPTY_BUFFER);
      written = true;
    } finally {
      if (written) writer.reset();
      else writer.discard();
    }
  }

  /**
   * True if the stream committed and its last write was never made: it ended before its end
   * (cancelled, or its client left), and completing its response would give the client a clean end
   * (HTTP/1.1's last chunk, HTTP/2's end of stream) that it would take for a whole answer. Whoever
   * completes the exchange aborts it instead.
   */
  public boolean cutShort() {
    return committed && !lastWritten;
  }

  private void commitStreamHeaders() {
    if (committed) return;
    committed = true;
    response.setStatus(200);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, EVENT_STREAM);
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
    response.getHeaders().put("X-Accel-Buffering", "no");
  }

  private void write(boolean last, ByteBuffer bytes) throws IOException {
    if (failure != null) throw failure;
    if (lastWritten) {
      // A redundant end changes nothing; anything else after the end is a bug of the caller's.
      if (last && !bytes.hasRemaining()) return;
      throw new IllegalStateException("the response already made its last write");
    }
    if (last) {
      lastWritten = true;
      for (Runnable hook : beforeLastWrite) hook.run();
      beforeLastWrite.clear();
    }
    // The write timeout counts from this write's start. Jetty's idle timer would otherwise count
    // the wait for a slow first token too, and fail a write that began just as it expired (seen:
    // a 900 ms first token cut by a 300 ms write timeout whose third expiry met the write). On
    // HTTP/2 the timer that fails a write is the stream's own, which Jetty restarts only once the
    // write's frame is queued, after the write is pending: it is restarted here first, as setting
    // its timeout does.
    if (endPoint instanceof IdleTimeout idle) idle.notIdle();
    if (h2Stream != null) h2Stream.setIdleTimeout(h2Stream.getIdleTimeout());
    bytesWritten += bytes.remaining();
    writesInProgress.incrementAndGet();
    try (Blocker.Callback callback = Blocker.callback()) {
      response.write(last, bytes, callback);
      callback.block();
      lastWriteNanos = System.nanoTime();
    } catch (IOException e) {
      failure = e;
      throw e;
    } finally {
      writesInProgress.decrementAndGet();
    }
  }
}
