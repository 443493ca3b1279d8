package dev.sluice.server.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** A request's row is recorded once, whichever threads race to record it. */
class RequestAccountTest {

  @Test
  void onlyOneOfManyRacingThreadsGetsToRecordTheRow() throws Exception {
    int accounts = 20_000;
    int threads = 4;
    var all = new RequestAccount[accounts];
    for (int i = 0; i < accounts; i++) all[i] = new RequestAccount("req_" + i, 0);
    var wins = new AtomicIntegerArray(accounts);
    var start = new CyclicBarrier(threads);
    var racers = new Thread[threads];
    for (int t = 0; t < threads; t++) {
      racers[t] = Thread.ofPlatform().start(() -> {
        try {
          start.await();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
        // All threads walk the same accounts in step, so they meet on each one.
        for (int i = 0; i < accounts; i++) {
          if (all[i].markRecorded()) wins.incrementAndGet(i);
        }
      });
    }
    for (Thread racer : racers) racer.join();
    for (int i = 0; i < accounts; i++) assertThat(wins.get(i)).as("account %d", i).isEqualTo(1);
  }
}
