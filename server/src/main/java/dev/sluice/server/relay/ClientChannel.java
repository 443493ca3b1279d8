package dev.sluice.server.relay;

import dev.sluice.dialect.EventSink;
import dev.sluice.sse.SseWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.IdleTimeout;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.BufferUtil;

/**
 * The client's side of one stream: frames events as Server-Sent Events and writes each with a
 * blocking write. A client that reads slowly parks the writing thread, which stops reading the
 * upstream: backpressure with no queue. Nothing here buffers more than the event being written.
 *
 * <p>Two threads may write: the stream's own and its watchdog's heartbeat; a per-stream lock
 * orders them. The first write failure is sticky: every later write fails the same way.
 */
public final class ClientChannel implements EventSink {
  private static final String EVENT_STREAM = "text/event-stream; charset=utf-8";
  private static final byte[] PING_COMMENT = new SseWriter().comment("ping").toByteArray();

  private final Response response;
  private final ReentrantLock lock = new ReentrantLock();
  private final SseWriter writer = new SseWriter();
  private volatile boolean committed;
  private volatile long lastWriteNanos = System.nanoTime();
  private IOException failure;
  /** Run once, in order, just before the last write; added to by whoever must let go first. */
  private final java.util.List<Runnable> beforeLastWrite = new java.util.ArrayList<>(2);
  /** The bytes of one heartbeat, framed once: a comment unless the dialect has its own event. */
  private byte[] heartbeat = PING_COMMENT;

  /** Counted up while a write of this channel is in progress (telemetry: streams blocked on a client). */
  private final AtomicInteger writesInProgress;
  /** Response body bytes handed to the connection so far, for the access log. */
  private volatile long bytesWritten;
  /** The connection, whose idle timer each write restarts (see {@link #write}). */
  private final EndPoint endPoint;

  public ClientChannel(Response response) {
    this(response, new AtomicInteger());
  }

  /** @param writesInProgress shared by all channels, up while any of them is in a write */
  public ClientChannel(Response response, AtomicInteger writesInProgress) {
    this.response = response;
    this.writesInProgress = writesInProgress;
    this.endPoint = response.getRequest().getConnectionMetaData().getConnection().getEndPoint();
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
    lock.lock();
    try {
      writer.reset();
      writer.event(type, id, data);
      writeFramed();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void event(String type, String id, byte[] utf8, int off, int len) throws IOException {
    lock.lock();
    try {
      writer.reset();
      writer.event(type, id, utf8, off, len);
      writeFramed();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Sends bytes that are already whole Server-Sent Events (framed once, when a replay log took
   * them), so that a replay costs no re-encoding.
   */
  public void framed(byte[] sse) throws IOException {
    lock.lock();
    try {
      commitStreamHeaders();
      write(false, ByteBuffer.wrap(sse));
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void comment(String text) throws IOException {
    lock.lock();
    try {
      writer.reset();
      writer.comment(text);
      writeFramed();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Makes heartbeats a named event instead of a comment, for a dialect that has its own keep-alive
   * event (Anthropic's {@code ping}, which its SDKs skip wherever it comes).
   */
  public void heartbeatAs(String type, String data) {
    this.heartbeat = SseWriter.encode(type, null, data);
  }

  /**
   * Sends a heartbeat unless another write is in progress (which is activity enough).
   * Returns false if the client is gone.
   */
  boolean heartbeat() {
    if (!lock.tryLock()) return true;
    try {
      commitStreamHeaders();
      write(false, ByteBuffer.wrap(heartbeat));
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
      write(true, BufferUtil.EMPTY_BUFFER);
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

  private void writeFramed() throws IOException {
    commitStreamHeaders();
    write(false, writer.buffer());
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
    if (last) {
      for (Runnable hook : beforeLastWrite) hook.run();
      beforeLastWrite.clear();
    }
    // The write timeout counts from this write's start. Jetty's idle timer would otherwise count
    // the wait for a slow first token too, and fail a write that began just as it expired (seen:
    // a 900 ms first token cut by a 300 ms write timeout whose third expiry met the write).
    if (endPoint instanceof IdleTimeout idle) idle.notIdle();
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
