package dev.sluice.server.ledger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes ledger rows durably, with group commit: a request's thread hands its row over and waits
 * until the transaction holding it has committed; one writer thread takes whatever rows are waiting
 * (up to {@value #MAX_BATCH}) and commits them in one transaction. Under load one commit (one fsync
 * on SQLite) covers many rows, so 200 streams ending together wait for a few commits, not 200; alone,
 * a row waits for one commit. The queue is bounded: when the database falls behind, streams wait to
 * end (backpressure), nothing is dropped.
 *
 * <p>Rows are written only as streams end, never before their first token, so the ledger never adds
 * to time to first token.
 */
public final class LedgerWriter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LedgerWriter.class);
  private static final int MAX_BATCH = 256;
  private static final int QUEUE = 4096;
  /** How long a stream waits for its row before ending anyway (the failure is logged). */
  private static final long WAIT_SECONDS = 30;
  static final String INSERT = "INSERT INTO usage_ledger (request_id, key_id, provider, model, start_ms, end_ms, day,"
      + " ttft_ms, prompt_tokens, completion_tokens, cached_tokens, cache_write_tokens, reasoning_tokens, estimated,"
      + " cost_picousd, retries, finish_reason, error_type, status) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";

  private record Pending(LedgerRow row, CompletableFuture<Void> done) {}

  private static final Pending STOP = new Pending(null, null);

  private final DataSource db;
  private final BlockingQueue<Pending> queue = new ArrayBlockingQueue<>(QUEUE);
  private final Thread thread;
  /** Told how long each committed row took, queue wait included (the metrics' ledger write latency). */
  private final java.util.function.Consumer<java.time.Duration> written;

  public LedgerWriter(DataSource db) {
    this(db, elapsed -> { });
  }

  public LedgerWriter(DataSource db, java.util.function.Consumer<java.time.Duration> written) {
    this.db = db;
    this.written = written;
    this.thread = Thread.ofPlatform().name("sluice-ledger").daemon().start(this::run);
  }

  /**
   * Writes {@code row} and returns once it is committed. A database failure is logged, not thrown:
   * the stream still ends for its client, and the log says which row is missing.
   */
  public void write(LedgerRow row) {
    var pending = new Pending(row, new CompletableFuture<>());
    long start = System.nanoTime();
    try {
      if (!queue.offer(pending, WAIT_SECONDS, TimeUnit.SECONDS)) {
        log.error("ledger: queue full for {} s; row {} not written", WAIT_SECONDS, row.requestId());
        return;
      }
      pending.done().get(WAIT_SECONDS, TimeUnit.SECONDS);
      written.accept(java.time.Duration.ofNanos(System.nanoTime() - start));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      log.error("ledger: interrupted while writing row {}", row.requestId());
    } catch (ExecutionException e) {
      log.error("ledger: row {} not written: {}", row.requestId(), e.getCause().toString());
    } catch (TimeoutException e) {
      log.error("ledger: row {} not committed within {} s", row.requestId(), WAIT_SECONDS);
    }
  }

  /** Rows waiting for their commit now. */
  public int queued() {
    return queue.size();
  }

  private void run() {
    var batch = new ArrayList<Pending>(MAX_BATCH);
    while (true) {
      try {
        batch.add(queue.take());
      } catch (InterruptedException e) {
        return;
      }
      queue.drainTo(batch, MAX_BATCH - 1);
      boolean stop = batch.remove(STOP);
      if (!batch.isEmpty()) commit(batch);
      batch.clear();
      if (stop) return;
    }
  }

  private void commit(List<Pending> batch) {
    try (Connection c = db.getConnection()) {
      c.setAutoCommit(false);
      try (PreparedStatement ps = c.prepareStatement(INSERT)) {
        for (Pending p : batch) {
          bind(ps, p.row());
          ps.addBatch();
        }
        ps.executeBatch();
        c.commit();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
      for (Pending p : batch) p.done().complete(null);
    } catch (SQLException | RuntimeException e) {
      for (Pending p : batch) p.done().completeExceptionally(e);
    }
  }

  static void bind(PreparedStatement ps, LedgerRow r) throws SQLException {
    int i = 1;
    ps.setString(i++, r.requestId());
    ps.setString(i++, r.keyId());
    ps.setString(i++, r.provider());
    ps.setString(i++, r.model());
    ps.setLong(i++, r.startMillis());
    ps.setLong(i++, r.endMillis());
    ps.setString(i++, Instant.ofEpochMilli(r.startMillis()).atZone(ZoneOffset.UTC).toLocalDate().toString());
    if (r.ttftMillis() < 0) ps.setNull(i++, Types.BIGINT);
    else ps.setLong(i++, r.ttftMillis());
    ps.setLong(i++, r.usage().promptTokens());
    ps.setLong(i++, r.usage().completionTokens());
    ps.setLong(i++, r.usage().cachedTokens());
    ps.setLong(i++, r.usage().cacheWriteTokens());
    ps.setLong(i++, r.usage().reasoningTokens());
    ps.setBoolean(i++, r.usage().estimated());
    if (r.costPicos() == null) ps.setNull(i++, Types.BIGINT);
    else ps.setLong(i++, r.costPicos());
    ps.setInt(i++, r.retries());
    ps.setString(i++, r.finishReason());
    ps.setString(i++, r.errorType());
    ps.setString(i, r.status());
  }

  /**
   * Whether the database answers within {@code millis} (for {@code /readyz}). The check runs on its
   * own virtual thread, so a database that hangs makes the answer "no", not a hung probe.
   */
  public boolean reachable(long millis) {
    var answer = new CompletableFuture<Boolean>();
    Thread.ofVirtual().name("sluice-ledger-ping").start(() -> {
      try (Connection c = db.getConnection()) {
        answer.complete(c.isValid((int) Math.max(1, millis / 1000)));
      } catch (SQLException | RuntimeException e) {
        answer.complete(false);
      }
    });
    try {
      return answer.get(millis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException | TimeoutException e) {
      return false;
    }
  }

  /** Writes what is queued, then stops the writer thread. */
  @Override
  public void close() {
    try {
      queue.put(STOP);
      thread.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
