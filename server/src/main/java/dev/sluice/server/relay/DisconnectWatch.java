package dev.sluice.server.relay;

import java.io.IOException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.AbstractEndPoint;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

/**
 * Notices a client that goes away while its request runs, waiting for a first token included.
 *
 * <p>On HTTP/1.1 Jetty stops reading the connection once the request body is consumed, so neither
 * a FIN nor an RST would be seen before the next write. {@link #watchReads()} asks Jetty's own
 * selector to read for us ({@link EndPoint#tryFillInterested}) once the body is read: a fill of -1
 * or an I/O error means the client left (measured at about 0.4 ms on loopback, see
 * docs/reference/disconnect-detection.md). On HTTP/2 Jetty always reads, and the request's failure
 * listener, registered the moment the exchange starts, fires for a connection close or a stream
 * reset. A failed write and the idle timeout stay as backstops for a client that vanishes without a
 * FIN or RST.
 *
 * <p>The watch starts before the stream it protects exists: {@link #onGone} may be called later,
 * and runs at once if the client already left, so no disconnect falls into the gap between reading
 * the request and opening the upstream.
 *
 * <p>A client that sends bytes while its response is in flight (HTTP/1.1 pipelining behind an open
 * stream, which real clients do not do) has its byte consumed here; {@link #strayBytes()} then says
 * the connection must not be reused.
 */
public final class DisconnectWatch {
  private static final Runnable NOTHING = () -> {};
  /**
   * What a read this watch registered is failed with when the stream ends: one shared instance
   * with no stack trace, since every stream ends this way and none of them is an error.
   */
  private static final CancellationException STREAM_ENDED = new StreamEnded();

  private static final class StreamEnded extends CancellationException {
    StreamEnded() {
      super("stream ended");
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }

  private final Request request;
  private final AtomicBoolean gone = new AtomicBoolean();
  private final AtomicBoolean disarmed = new AtomicBoolean();
  /** Set once this watch registered a read: only then is the endpoint's fill interest ours to cancel. */
  private volatile boolean armed;
  private final AtomicReference<Runnable> action = new AtomicReference<>(NOTHING);
  private volatile boolean strayBytes;

  private DisconnectWatch(Request request) {
    this.request = request;
  }

  /** Starts watching for request failures (HTTP/2 resets and connection drops) at once. */
  public static DisconnectWatch start(Request request) {
    var watch = new DisconnectWatch(request);
    request.addFailureListener(failure -> watch.gone());
    return watch;
  }

  /**
   * On HTTP/1.x, keeps a read pending on the client connection to see a FIN or RST. Call only after
   * the request body has been fully read (a read is then not already pending).
   */
  public void watchReads() {
    HttpVersion version = request.getConnectionMetaData().getHttpVersion();
    if (version == HttpVersion.HTTP_1_1 || version == HttpVersion.HTTP_1_0) armFill();
  }

  /**
   * Sets what to do when the client leaves: run on a Jetty thread, must not block. Runs at once if
   * the client already left. Replaces an action set before.
   */
  public void onGone(Runnable whenGone) {
    action.set(whenGone);
    if (gone.get()) runAction();
  }

  /** True if the client sent bytes during the response: its connection must not be reused. */
  public boolean strayBytes() {
    return strayBytes;
  }

  /**
   * Stops watching reads before the response completes, so that Jetty can register its own read
   * interest for the next request on a kept-alive connection. Idempotent.
   */
  public void disarm() {
    // On HTTP/2 the fill interest belongs to Jetty's connection reader, shared by every stream:
    // failing it would close the whole connection. Only a read this watch registered is cancelled.
    if (disarmed.compareAndSet(false, true) && armed
        && request.getConnectionMetaData().getConnection().getEndPoint() instanceof AbstractEndPoint ep
        && ep.getFillInterest().isInterested()) {
      ep.getFillInterest().onFail(STREAM_ENDED);
    }
  }

  private void armFill() {
    if (disarmed.get() || gone.get()) return;
    EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
    if (endPoint.tryFillInterested(Callback.from(() -> onFillable(endPoint), this::onFillFailed))) armed = true;
  }

  private void onFillable(EndPoint endPoint) {
    if (disarmed.get()) return;
    try {
      int n = endPoint.fill(BufferUtil.allocate(1));
      if (n < 0) gone();
      else if (n > 0) strayBytes = true;
      else armFill();
    } catch (IOException e) {
      gone();
    }
  }

  private void onFillFailed(Throwable failure) {
    if (failure instanceof CancellationException) return;
    // An idle connection is not a gone one: the stream may be waiting for a slow first token.
    if (failure instanceof TimeoutException) armFill();
    else gone();
  }

  private void gone() {
    if (gone.compareAndSet(false, true)) runAction();
  }

  private void runAction() {
    Runnable r = action.getAndSet(NOTHING);
    r.run();
  }
}
