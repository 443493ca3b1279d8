package dev.sluice.bench;

import dev.sluice.bench.load.LoadBench;
import java.util.Arrays;

/**
 * {@code ./sluice bench [--quick]} runs the load benchmark; {@code ./sluice bench jmh [JMH options]}
 * runs the JMH micro-benchmarks.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("jmh")) {
      org.openjdk.jmh.Main.main(Arrays.copyOfRange(args, 1, args.length));
    } else {
      LoadBench.main(args);
    }
  }
}
