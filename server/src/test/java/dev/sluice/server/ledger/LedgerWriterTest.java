package dev.sluice.server.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.server.config.Accounting;
import dev.sluice.stream.Usage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * The ledger writer on a real SQLite ledger (migrated by Flyway), its journal a real file. The
 * database "cannot take rows" the way SQLite really can't: another connection holds its write lock.
 * The writer's own connections give up on a lock after 100 ms, and it looks again every 20 ms.
 */
class LedgerWriterTest {
  private static final LedgerWriter.Timing FAST = new LedgerWriter.Timing(Duration.ofSeconds(10), Duration.ofMillis(20));
  /** How long a test waits for the writer to get somewhere before it fails. */
  private static final long DEADLINE_MILLIS = 10_000;

  @TempDir
  Path dir;
  private String url;
  private Database db;
  private SQLiteDataSource writerDb;
  private final List<LedgerWriter> writers = new ArrayList<>();

  @BeforeEach
  void open() {
    url = "jdbc:sqlite:" + dir.resolve("ledger.db");
    db = Database.open(Accounting.DEFAULT.withDbUrl(url));
    var config = new SQLiteConfig();
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
    config.setBusyTimeout(100);
    writerDb = new SQLiteDataSource(config);
    writerDb.setUrl(url);
  }

  @AfterEach
  void close() {
    writers.forEach(LedgerWriter::close);
    db.close();
  }

  @Test
  void commitsARowAndSaysSo() throws Exception {
    LedgerWriter writer = writer(writerDb, 1 << 20);
    assertThat(writer.write(row("req_1"))).isEqualTo(Durability.COMMITTED);
    assertThat(ids()).containsExactly("req_1");
    assertThat(writer.journalBytes()).isZero();
  }

  @Test
  void aRowTheDatabaseRefusesCostsOnlyItselfAndIsSetAside() throws Exception {
    try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
      st.execute("CREATE TRIGGER refuse_poison BEFORE INSERT ON usage_ledger WHEN NEW.model = 'poison'"
          + " BEGIN SELECT RAISE(ABORT, 'poison refused'); END");
    }
    var gated = new ControlledDataSource(writerDb);
    LedgerWriter writer = writer(gated, 1 << 20);
    gated.hold();
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      // The first row holds the writer at the gate; the 21 after it queue, and go as one batch.
      Future<Durability> first = pool.submit(() -> writer.write(row("req_first")));
      gated.awaitHeld();
      var results = new ArrayList<Future<Durability>>();
      for (int i = 0; i < 20; i++) {
        LedgerRow good = row("req_good_" + i);
        results.add(pool.submit(() -> writer.write(good)));
      }
      Future<Durability> poison = pool.submit(() -> writer.write(row("req_poison", "poison")));
      await(() -> writer.queued() == 21);
      gated.release();
      assertThat(first.get()).isEqualTo(Durability.COMMITTED);
      for (var r : results) assertThat(r.get()).isEqualTo(Durability.COMMITTED);
      assertThat(poison.get()).isEqualTo(Durability.SET_ASIDE);
    }
    assertThat(ids()).hasSize(21).doesNotContain("req_poison");
    assertThat(Files.readString(dir.resolve("ledger.journal.refused"))).contains("req_poison").contains("poison");
  }

  @Test
  void journalsRowsWhileTheDatabaseCannotTakeThemAndReplaysThemInOrderOnceItCan() throws Exception {
    LedgerWriter writer = writer(writerDb, 1 << 20);
    assertThat(writer.write(row("req_before"))).isEqualTo(Durability.COMMITTED);
    try (var lock = lockDatabase()) {
      for (int i = 0; i < 5; i++) assertThat(writer.write(row("req_" + i))).isEqualTo(Durability.JOURNALED);
      assertThat(writer.journalBytes()).isPositive();
      assertThatThrownBy(writer::checkJournal).hasMessageStartingWith("journaling: the database cannot take rows; 5 row(s)");
    }
    await(() -> writer.journalBytes() == 0);
    writer.checkJournal();
    assertThat(idsInInsertOrder()).containsExactly("req_before", "req_0", "req_1", "req_2", "req_3", "req_4");
    assertThat(writer.write(row("req_after"))).isEqualTo(Durability.COMMITTED);
  }

  @Test
  void aJournalLeftByAnEarlierProcessIsReplayedAtStartExactlyOnce() throws Exception {
    Path journal = dir.resolve("ledger.journal");
    byte[] left;
    try (var lock = lockDatabase()) {
      LedgerWriter before = writer(writerDb, 1 << 20);
      for (int i = 0; i < 3; i++) assertThat(before.write(row("req_" + i))).isEqualTo(Durability.JOURNALED);
      before.close();
      left = Files.readAllBytes(journal);
    }
    assertThat(ids()).isEmpty();
    LedgerWriter next = writer(writerDb, 1 << 20);
    await(() -> next.journalBytes() == 0);
    assertThat(ids()).containsExactlyInAnyOrder("req_0", "req_1", "req_2");
    next.close();
    // As if a crash struck between the replay's commit and the journal's clearing: replayed again, it adds nothing.
    Files.write(journal, left);
    LedgerWriter again = writer(writerDb, 1 << 20);
    await(() -> again.journalBytes() == 0);
    assertThat(ids()).containsExactlyInAnyOrder("req_0", "req_1", "req_2");
  }

  @Test
  void aFullJournalRefusesRowsAndSaysSoUntilTheDatabaseTakesThemAgain() throws Exception {
    int line = Journal.encode(row("req_0")).length;
    LedgerWriter writer = writer(writerDb, 2L * line + line / 2);
    try (var lock = lockDatabase()) {
      assertThat(writer.write(row("req_0"))).isEqualTo(Durability.JOURNALED);
      assertThat(writer.write(row("req_1"))).isEqualTo(Durability.JOURNALED);
      assertThatThrownBy(() -> writer.write(row("req_2"))).isInstanceOf(RowNotDurableException.class)
          .hasMessageContaining("is full");
      assertThatThrownBy(writer::checkJournal).hasMessageStartingWith("journal full: 2 row(s)");
    }
    await(() -> writer.journalBytes() == 0);
    writer.checkJournal();
    assertThat(writer.write(row("req_3"))).isEqualTo(Durability.COMMITTED);
    assertThat(ids()).containsExactlyInAnyOrder("req_0", "req_1", "req_3");
  }

  @Test
  void aWriteNotDurableInTimeThrowsAndItsRowIsStillWrittenLater() throws Exception {
    var gated = new ControlledDataSource(writerDb);
    LedgerWriter writer = writer(gated, 1 << 20, new LedgerWriter.Timing(Duration.ofMillis(200), Duration.ofMillis(20)));
    gated.hold();
    assertThatThrownBy(() -> writer.write(row("req_stuck"))).isInstanceOf(RowNotDurableException.class)
        .hasMessageContaining("not durable within 200 ms");
    gated.release();
    await(() -> ids().contains("req_stuck"));
  }

  @Test
  void anUnexpectedFailureOfTheWriterCostsNoRowAndDoesNotStopIt() throws Exception {
    var failing = new ControlledDataSource(writerDb);
    LedgerWriter writer = writer(failing, 1 << 20);
    failing.failNext(new AssertionError("the writer's unexpected failure"));
    assertThat(writer.write(row("req_1"))).isEqualTo(Durability.JOURNALED);
    await(() -> writer.journalBytes() == 0);
    assertThat(writer.write(row("req_2"))).isEqualTo(Durability.COMMITTED);
    assertThat(ids()).containsExactlyInAnyOrder("req_1", "req_2");
  }

  @Test
  void anInterruptDoesNotStopTheWriter() throws Exception {
    Set<Thread> before = writerThreads();
    LedgerWriter writer = writer(writerDb, 1 << 20);
    Set<Thread> ours = writerThreads();
    ours.removeAll(before);
    assertThat(ours).hasSize(1);
    ours.iterator().next().interrupt();
    assertThat(writer.write(row("req_1"))).isEqualTo(Durability.COMMITTED);
    assertThat(ids()).containsExactly("req_1");
  }

  @Test
  void concurrentWritesAreEachDurableOnce() throws Exception {
    LedgerWriter writer = writer(writerDb, 1 << 20);
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      var results = IntStream.range(0, 300).mapToObj(i -> pool.submit(() -> writer.write(row("req_" + i)))).toList();
      for (var r : results) assertThat(r.get()).isEqualTo(Durability.COMMITTED);
    }
    assertThat(ids()).hasSize(300);
  }

  private LedgerWriter writer(DataSource source, long journalBytes) throws Exception {
    return writer(source, journalBytes, FAST);
  }

  private LedgerWriter writer(DataSource source, long journalBytes, LedgerWriter.Timing timing)
      throws Exception {
    Path journal = dir.resolve("ledger.journal");
    var writer = new LedgerWriter(source, Journal.open(journal, journalBytes), dir.resolve("ledger.journal.refused"),
        timing, elapsed -> { });
    writers.add(writer);
    return writer;
  }

  /** Holds SQLite's write lock from another connection until closed: no writer gets in meanwhile. */
  private AutoCloseable lockDatabase() throws SQLException {
    Connection c = DriverManager.getConnection(url);
    try (Statement st = c.createStatement()) {
      st.execute("BEGIN EXCLUSIVE");
    }
    return () -> {
      try (c; Statement st = c.createStatement()) {
        st.execute("ROLLBACK");
      }
    };
  }

  private List<String> ids() throws SQLException {
    return query("SELECT request_id FROM usage_ledger ORDER BY request_id");
  }

  private List<String> idsInInsertOrder() throws SQLException {
    return query("SELECT request_id FROM usage_ledger ORDER BY rowid");
  }

  private List<String> query(String sql) throws SQLException {
    try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement();
        var rs = st.executeQuery(sql)) {
      var ids = new ArrayList<String>();
      while (rs.next()) ids.add(rs.getString(1));
      return ids;
    }
  }

  private static Set<Thread> writerThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("sluice-ledger"))
        .collect(Collectors.toSet());
  }

  static LedgerRow row(String id) {
    return row(id, "openai/gpt-4o-mini");
  }

  static LedgerRow row(String id, String model) {
    return new LedgerRow(id, null, "openai", model, 1_700_000_000_000L, 1_700_000_001_000L, 120, Usage.of(10, 5),
        4_500_000L, 0, "stop", null, "completed");
  }

  /** Waits, polling, until {@code condition} holds; fails after {@value #DEADLINE_MILLIS} ms. */
  static void await(Check condition) throws Exception {
    long end = System.nanoTime() + DEADLINE_MILLIS * 1_000_000;
    while (!condition.holds()) {
      if (System.nanoTime() > end) throw new AssertionError("not reached within " + DEADLINE_MILLIS + " ms");
      Thread.sleep(5);
    }
  }

  @FunctionalInterface
  interface Check {
    boolean holds() throws Exception;
  }
}
