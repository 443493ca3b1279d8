package dev.sluice.sse;

import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A minimal property-check loop over seeded random inputs. Runs are deterministic: try {@code i} draws
 * from {@code new SplittableRandom(seed + i)}, with the seed fixed unless {@code -Dsluice.test.seed=N}
 * asks for another sample. A failure names the seed, the try and the input, so it can be replayed.
 *
 * <p>(The project's test classpath has jqwik, but jqwik 1.10 asks not to be used by AI coding agents, and
 * these tests were written by one; this loop keeps the properties without it.)
 */
final class RandomCases {

  static final long DEFAULT_SEED = 0x5EE_2026L;

  private RandomCases() {}

  static <T> void forAll(int tries, Function<SplittableRandom, T> generator, Function<T, String> describe,
      Consumer<T> property) {
    long seed = Long.getLong("sluice.test.seed", DEFAULT_SEED);
    for (int i = 0; i < tries; i++) {
      T input = generator.apply(new SplittableRandom(seed + i));
      try {
        property.accept(input);
      } catch (AssertionError | RuntimeException e) {
        throw new AssertionError("falsified at try " + i + " of seed " + seed + " (-Dsluice.test.seed=" + seed
            + "), input: " + describe.apply(input) + "\n" + e.getMessage(), e);
      }
    }
  }
}
