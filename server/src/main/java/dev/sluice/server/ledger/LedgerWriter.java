package dev.sluice.server.ledger;

import dev.sluice.server.config.LedgerJournal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes ledger rows durably, with group commit: a request's thread hands its row over and waits
 * until the row is durable; one writer thread takes whatever rows are waiting (up to {@value
 * #MAX_BATCH}) and commits them in one transaction. Under load one commit (one fsync on SQLite)
 * covers many rows; alone, a row waits for one commit. The queue is bounded: when the writer falls
 * behind, streams wait to end (backpressure). Rows are written only as streams end, never before
 * their first token, so the ledger never adds to time to first token.
 *
 * <p>Nothing is lost quietly:
 * <ul>
 *   <li>a batch the database refuses is retried row by row ({@link LedgerTable}): its good rows are
 *       committed, and a row refused for itself is set aside, fsynced, in {@code <journal>.refused}
 *       with its error logged;
 *   <li>while the database cannot take rows (down, unreachable, locked), they go to the local
 *       {@link Journal}, fsynced, and their requests end normally. A {@link RecoveryProbe} asks every
 *       {@code retryEvery} whether the table takes writes again; then the writer replays the journal
 *       in order, exactly once (the request id is the key), and rows that arrive meanwhile join the
 *       journal behind it. A journal left by an earlier process is replayed the same way at start;
 *   <li>the journal is bounded: once full, a row the database cannot take is refused;
 *   <li>the writer thread is supervised: an unexpected failure is logged, the rows in hand go to the
 *       journal, and it goes on; an interrupt does not stop it either, only {@link #close} does;
 *   <li>{@link #write} returns only once its row is durable, saying where, and throws otherwise.
 * </ul>
 */
public final class LedgerWriter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LedgerWriter.class);
  private static final int MAX_BATCH = 256;
  private static final int QUEUE = 4096;
  /** Journaled rows replayed per transaction. */
  private static final int REPLAY_CHUNK = 512;

  /**
   * @param waitForDurable how long {@link #write} waits for its row to be durable before it throws
   * @param retryEvery how often the probe asks a database that could not take rows whether it can now
   */
  record Timing(Duration waitForDurable, Duration retryEvery) {
    static final Timing DEFAULT = new Timing(Duration.ofSeconds(30), Duration.ofSeconds(1));
  }

  private record Pending(LedgerRow row, CompletableFuture<Durability> done) {}

  /** Wakes the writer to stop ({@link #close}). */
  private static final Pending STOP = new Pending(null, null);
  /** Wakes the writer to replay: the probe saw the database take writes again. */
  private static final Pending WAKE = new Pending(null, null);

  private final LedgerTable table;
  private final Journal journal;
  private final Path setAsidePath;
  private final Timing timing;
  /** Told how long each durable row took, queue wait included (the metrics' ledger write latency). */
  private final Consumer<Duration> written;
  private final BlockingQueue<Pending> queue = new ArrayBlockingQueue<>(QUEUE);
  private final RecoveryProbe probe;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread writer;
  private volatile boolean databaseTakesRows = true;
  private volatile boolean journalFull;
  /** Writer thread only: the rows being written now, which a failure must not lose. */
  private List<Pending> inHand = List.of();
  /** Writer thread only: how far into the journal the replay has committed. */
  private long replayedTo;
  /** Writer thread only: opened on its first row. */
  private Journal setAside;

  LedgerWriter(DataSource db, Journal journal, Path setAsidePath, Timing timing, Consumer<Duration> written) {
    this.table = new LedgerTable(db);
    this.journal = journal;
    this.setAsidePath = setAsidePath;
    this.timing = timing;
    this.written = written;
    if (!journal.isEmpty()) {
      log.warn("ledger: {} row(s) in the journal {} from before; replaying them into the database", journal.rows(),
          journal.path());
    }
    this.probe = new RecoveryProbe(table::takesWrites, timing.retryEvery(), () -> {
      databaseTakesRows = true;
      queue.offer(WAKE);
    });
    this.writer = Thread.ofPlatform().name("sluice-ledger").daemon().start(this::supervise);
  }

  /**
   * Starts the writer of {@code db}'s ledger, on its own connections, with its journal where
   * {@code settings} say (by default {@code ledger.journal} in the ledger's folder), replaying what an
   * earlier process left there.
   */
  public static LedgerWriter start(Database db, LedgerJournal settings, Consumer<Duration> written) throws IOException {
    Path path = settings.path() != null ? settings.path() : db.folder().resolve("ledger.journal");
    Journal journal;
    try {
      journal = Journal.open(path, settings.maxBytes());
    } catch (IOException e) {
      throw new IOException("cannot open the ledger journal " + path + " (SLUICE_LEDGER_JOURNAL): " + e.getMessage(), e);
    }
    return new LedgerWriter(db.writerDataSource(), journal, path.resolveSibling(path.getFileName() + ".refused"),
        Timing.DEFAULT, written);
  }

  /**
   * Writes {@code row} and returns once it is durable: committed, journaled, or set aside.
   *
   * @throws RowNotDurableException when it is none of these (the journal is full or failed, or the
   *     writer did not answer in time); the row is logged, and its request must not end cleanly
   */
  public Durability write(LedgerRow row) {
    if (closed.get()) throw notDurable(row, "the ledger writer is closed");
    var pending = new Pending(row, new CompletableFuture<>());
    long start = System.nanoTime();
    long wait = timing.waitForDurable().toNanos();
    try {
      if (!queue.offer(pending, wait, TimeUnit.NANOSECONDS)) {
        throw notDurable(row, "the writer's queue stayed full for " + timing.waitForDurable().toMillis() + " ms");
      }
      Durability where = pending.done().get(wait - (System.nanoTime() - start), TimeUnit.NANOSECONDS);
      written.accept(Duration.ofNanos(System.nanoTime() - start));
      return where;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw notDurable(row, "interrupted while waiting for it; it stays queued");
    } catch (ExecutionException e) {
      throw notDurable(row, e.getCause().getMessage());
    } catch (TimeoutException e) {
      throw notDurable(row, "not durable within " + timing.waitForDurable().toMillis()
          + " ms; it stays queued and may still be written");
    }
  }

  /** Rows waiting for the writer now. */
  public int queued() {
    return queue.size();
  }

  /** Bytes of rows waiting in the journal now (0 while the database takes them). */
  public long journalBytes() {
    return journal.bytes();
  }

  /**
   * For {@code /readyz}: throws, saying so, while rows wait in the journal (the database cannot take
   * them, or they are being replayed), and when it is full.
   */
  public void checkJournal() {
    if (journal.isEmpty() && !journalFull) return;
    String held = journal.rows() + " row(s) (" + journal.bytes() + " bytes) in the local journal";
    if (journalFull) {
      throw new IllegalStateException("journal full: " + held + " wait for the database (limit " + journal.maxBytes()
          + " bytes); rows it cannot take are refused");
    }
    if (!databaseTakesRows) {
      throw new IllegalStateException("journaling: the database cannot take rows; " + held + " until it can");
    }
    throw new IllegalStateException("replaying the journal into the database: " + held);
  }

  /** Writes what is queued, then stops the writer thread; what the journal holds stays for the next start. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) return;
    try {
      if (queue.offer(STOP, timing.waitForDurable().toNanos(), TimeUnit.NANOSECONDS)) {
        writer.join(timing.waitForDurable().toMillis());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    probe.close();
    if (writer.isAlive()) {
      log.warn("ledger: the writer did not finish within {} ms of the stop; its journal is left open",
          timing.waitForDurable().toMillis());
      return;
    }
    if (!journal.isEmpty()) {
      log.warn("ledger: stopping with {} row(s) in the journal {}; they are replayed at the next start",
          journal.rows(), journal.path());
    }
    closeQuietly(journal);
    if (setAside != null) closeQuietly(setAside);
  }

  /** The writer thread: serves until closed, whatever fails. */
  private void supervise() {
    while (true) {
      try {
        serve();
        return;
      } catch (Throwable t) {
        log.error("ledger: the writer failed; the rows in hand go to the journal and it goes on", t);
        rescue();
        pause();
      }
    }
  }

  private void serve() {
    var batch = new ArrayList<Pending>(MAX_BATCH);
    while (true) {
      if (!journal.isEmpty() && databaseTakesRows) replay();
      if (closed.get() && queue.isEmpty()) return;
      batch.add(take());
      queue.drainTo(batch, MAX_BATCH - 1);
      batch.removeIf(p -> p.row() == null);
      inHand = batch;
      if (!batch.isEmpty()) keep(batch);
      inHand = List.of();
      batch.clear();
    }
  }

  private Pending take() {
    try {
      return queue.take();
    } catch (InterruptedException e) {
      // Only close() stops the writer; an interrupt from elsewhere must not cost rows.
      log.warn("ledger: the writer was interrupted; it goes on");
      return WAKE;
    }
  }

  /** Commits {@code batch}, or journals it while the journal holds rows or the database cannot take it. */
  private void keep(List<Pending> batch) {
    if (journal.isEmpty()) {
      try {
        List<LedgerTable.Refusal> refusals = table.insert(rows(batch));
        // The database takes rows: the journal is not in the way any more (a replay would say so too,
        // but a journal too small for one row holds nothing to replay).
        if (journalFull) journalFull = false;
        Set<LedgerRow> refused = identitySet();
        refusals.forEach(r -> refused.add(r.row()));
        Set<LedgerRow> lost = setAside(refusals);
        for (Pending p : batch) {
          if (lost.contains(p.row())) {
            p.done().completeExceptionally(new RowNotDurableException(
                "the database refused it and the set-aside file " + setAsidePath + " could not keep it"));
          } else {
            p.done().complete(refused.contains(p.row()) ? Durability.SET_ASIDE : Durability.COMMITTED);
          }
        }
        return;
      } catch (DatabaseUnavailableException e) {
        cannotTakeRows(e);
      }
    }
    journal(batch);
  }

  private void journal(List<Pending> batch) {
    int taken;
    try {
      taken = journal.append(rows(batch));
    } catch (IOException | RuntimeException e) {
      log.error("ledger: the journal {} failed: {}", journal.path(), e.toString());
      for (Pending p : batch) {
        p.done().completeExceptionally(new RowNotDurableException(
            "the database could not take it and the journal failed (" + e + ")"));
      }
      return;
    }
    // Full before anyone hears of a refusal, so that readiness already says so when they do.
    if (taken < batch.size() && !journalFull) {
      journalFull = true;
      log.error("ledger: the journal {} is full ({} bytes); until the database takes rows again, new rows are refused"
          + " and their requests end with an error", journal.path(), journal.maxBytes());
    }
    for (int i = 0; i < batch.size(); i++) {
      if (i < taken) {
        batch.get(i).done().complete(Durability.JOURNALED);
      } else {
        batch.get(i).done().completeExceptionally(new RowNotDurableException("the database cannot take it and the"
            + " journal " + journal.path() + " is full (" + journal.maxBytes() + " bytes)"));
      }
    }
  }

  /** Replays the journal into the database, in order, until it is empty, rows wait, or the database fails. */
  private void replay() {
    long rows = journal.rows();
    try {
      while (replayedTo < journal.bytes()) {
        Journal.Chunk chunk = journal.read(replayedTo, REPLAY_CHUNK);
        if (chunk.next() == replayedTo) throw new IOException("no whole line at byte " + replayedTo);
        try {
          setAside(table.insert(chunk.rows()));
        } catch (DatabaseUnavailableException e) {
          cannotTakeRows(e);
          return;
        }
        replayedTo = chunk.next();
        // Rows waiting to end their requests go first (into the journal, behind these); then on.
        if (!queue.isEmpty()) return;
      }
      // Not full any more before it is seen empty, so that readiness never says "full" of an empty journal.
      journalFull = false;
      journal.clear();
    } catch (IOException e) {
      throw new UncheckedIOException("reading the journal " + journal.path(), e);
    }
    replayedTo = 0;
    log.info("ledger: the database takes rows again; the journal is replayed ({} row(s)) and empty", rows);
  }

  /**
   * Keeps rows the database refused for themselves in the set-aside file, each logged with its error,
   * and returns those it could not keep there (logged again, as lost).
   */
  private Set<LedgerRow> setAside(List<LedgerTable.Refusal> refusals) {
    Set<LedgerRow> lost = identitySet();
    if (refusals.isEmpty()) return lost;
    var rows = new ArrayList<LedgerRow>(refusals.size());
    for (LedgerTable.Refusal r : refusals) {
      log.error("ledger: the database refused a row for itself ({}); it is set aside in {}: {}", r.error().toString(),
          setAsidePath, r.row());
      rows.add(r.row());
    }
    try {
      if (setAside == null) setAside = Journal.open(setAsidePath, journal.maxBytes());
      int taken = setAside.append(rows);
      lost.addAll(rows.subList(taken, rows.size()));
    } catch (IOException e) {
      lost.addAll(rows);
    }
    for (LedgerRow row : lost) log.error("ledger: the set-aside file {} could not keep row {}", setAsidePath, row);
    return lost;
  }

  private void cannotTakeRows(DatabaseUnavailableException e) {
    if (databaseTakesRows) {
      log.warn("ledger: the database cannot take rows ({}); they go to the journal {} until it can", e.getMessage(),
          journal.path());
    }
    databaseTakesRows = false;
    probe.watch();
  }

  /** After a failure: the rows in hand that are not durable yet go to the journal. */
  private void rescue() {
    var open = inHand.stream().filter(p -> !p.done().isDone()).toList();
    inHand = List.of();
    if (open.isEmpty()) return;
    try {
      journal(open);
    } catch (Throwable t) {
      for (Pending p : open) p.done().completeExceptionally(new RowNotDurableException("the ledger writer failed: " + t));
    }
  }

  /** A breath after a failure, so a failure that repeats does not spin. */
  private void pause() {
    try {
      Thread.sleep(timing.retryEvery());
    } catch (InterruptedException e) {
      // Only close() stops the writer.
    }
  }

  /** Rows by identity: two requests' rows may be equal and still be two rows. */
  private static Set<LedgerRow> identitySet() {
    return Collections.newSetFromMap(new IdentityHashMap<>());
  }

  private static List<LedgerRow> rows(List<Pending> batch) {
    return batch.stream().map(Pending::row).toList();
  }

  private static RowNotDurableException notDurable(LedgerRow row, String why) {
    log.error("ledger: row {} is not durable ({}); its request ends with an error: {}", row.requestId(), why, row);
    return new RowNotDurableException("ledger row " + row.requestId() + " is not durable: " + why);
  }

  private static void closeQuietly(Journal file) {
    try {
      file.close();
    } catch (IOException e) {
      log.warn("ledger: closing {} failed: {}", file.path(), e.toString());
    }
  }
}
