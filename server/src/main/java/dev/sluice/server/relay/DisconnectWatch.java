package dev.sluice.server.relay;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.AbstractEndPoint;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

/**
 * Notices a client that goes away while its stream runs, waiting for a first token included.
 *
 * <p>On HTTP/1.1 Jetty stops reading the connection once the request body is consumed, so neither
 * a FIN nor an RST would be seen before the next write. This watch asks Jetty's own selector to
 * read for us ({@link EndPoint#tryFillInterested}) once the body is read: a fill of -1 or an I/O
 * error means the client left (measured at about 0.4 ms on loopback, see the project's
 * notes/disconnect-detection.md). On HTTP/2 Jetty always reads, and the request's failure listener
 * fires for a connection close or a stream reset. A failed write and the idle timeout stay as
 * backstops for a client that vanishes without a FIN or RST.
 *
 * <p>A client that sends bytes while its response is in flight (HTTP/1.1 pipelining behind an
 * open stream, which real clients do not do) has its byte consumed here; the connection is then
 * marked to be closed after this response rather than kept alive with a damaged request.
 */
public final class DisconnectWatch {
  private final EndPoint endPoint;
  private final Runnable onGone;
  private final AtomicBoolean finished = new AtomicBoolean();
  private volatile boolean strayBytes;

  private DisconnectWatch(EndPoint endPoint, Runnable onGone) {
    this.endPoint = endPoint;
    this.onGone = onGone;
  }

  /**
   * Starts watching. Call only after the request body has been fully read.
   *
   * @param onGone run once, on a Jetty thread, when the client is gone; must not block
   */
  public static DisconnectWatch arm(Request request, Runnable onGone) {
    Runnable once = onceOnly(onGone);
    request.addFailureListener(failure -> once.run());
    HttpVersion version = request.getConnectionMetaData().getHttpVersion();
    EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
    var watch = new DisconnectWatch(endPoint, once);
    if (version == HttpVersion.HTTP_1_1 || version == HttpVersion.HTTP_1_0) watch.armFill();
    return watch;
  }

  /** True if the client sent bytes during the response: its connection must not be reused. */
  public boolean strayBytes() {
    return strayBytes;
  }

  /**
   * Stops watching before the response completes, so that Jetty can register its own read interest
   * for the next request on a kept-alive connection. Idempotent.
   */
  public void disarm() {
    if (finished.compareAndSet(false, true) && endPoint instanceof AbstractEndPoint ep
        && ep.getFillInterest().isInterested()) {
      ep.getFillInterest().onFail(new CancellationException("stream ended"));
    }
  }

  private void armFill() {
    if (finished.get()) return;
    // tryFillInterested fails only if a read is already pending; the body is consumed, so none is.
    endPoint.tryFillInterested(Callback.from(this::onFillable, this::onFillFailed));
  }

  private void onFillable() {
    if (finished.get()) return;
    try {
      ByteBuffer one = BufferUtil.allocate(1);
      int n = endPoint.fill(one);
      if (n < 0) {
        gone();
      } else if (n > 0) {
        strayBytes = true;
      } else {
        armFill();
      }
    } catch (IOException e) {
      gone();
    }
  }

  private void onFillFailed(Throwable failure) {
    if (!(failure instanceof CancellationException)) gone();
  }

  private void gone() {
    if (finished.compareAndSet(false, true)) onGone.run();
  }

  private static Runnable onceOnly(Runnable r) {
    var ran = new AtomicBoolean();
    return () -> {
      if (ran.compareAndSet(false, true)) r.run();
    };
  }
}
