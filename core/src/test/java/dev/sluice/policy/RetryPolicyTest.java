package dev.sluice.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.stream.ErrorType;
import dev.sluice.stream.GatewayError;
import java.time.Duration;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
  private final RetryPolicy policy = new RetryPolicy(5, Duration.ofMillis(500), Duration.ofSeconds(8),
      Duration.ofSeconds(30), Duration.ofSeconds(30));

  /** A generator that always draws the largest value allowed, or the smallest. */
  private static RandomGenerator fixed(boolean max) {
    return new RandomGenerator() {
      @Override
      public long nextLong() {
        throw new UnsupportedOperationException();
      }

      @Override
      public long nextLong(long bound) {
        return max ? bound - 1 : 0;
      }
    };
  }

  @Test
  void fullJitterDrawsFromZeroToADoublingCappedCeiling() {
    assertThat(policy.delay(1, null, fixed(true))).isEqualTo(Duration.ofMillis(500));
    assertThat(policy.delay(2, null, fixed(true))).isEqualTo(Duration.ofSeconds(1));
    assertThat(policy.delay(5, null, fixed(true))).isEqualTo(Duration.ofSeconds(8));
    assertThat(policy.delay(60, null, fixed(true))).isEqualTo(Duration.ofSeconds(8));
    assertThat(policy.delay(3, null, fixed(false))).isEqualTo(Duration.ZERO);
    for (int i = 0; i < 1000; i++) {
      assertThat(policy.delay(2, null, RandomGenerator.getDefault())).isBetween(Duration.ZERO, Duration.ofSeconds(1));
    }
  }

  @Test
  void aRetryAfterReplacesTheDrawUpToTheCapAndBeyondItMeansDoNotRetry() {
    assertThat(policy.delay(1, Duration.ofSeconds(7), fixed(true))).isEqualTo(Duration.ofSeconds(7));
    assertThat(policy.delay(1, Duration.ofSeconds(30), fixed(true))).isEqualTo(Duration.ofSeconds(30));
    assertThat(policy.delay(1, Duration.ofSeconds(31), fixed(true))).isNull();
  }

  @Test
  void retriesTransientFailuresOnly() {
    for (int status : new int[] {0, 408, 409, 429, 500, 502, 503, 504, 529}) {
      var type = dev.sluice.provider.UpstreamHttp.errorTypeForStatus(status);
      assertThat(RetryPolicy.retryable(new GatewayError(type, "x", null, null, status, null))).as("%d", status).isTrue();
    }
    for (int status : new int[] {400, 401, 403, 404, 413, 422}) {
      var type = dev.sluice.provider.UpstreamHttp.errorTypeForStatus(status);
      assertThat(RetryPolicy.retryable(new GatewayError(type, "x", null, null, status, null))).as("%d", status).isFalse();
    }
    assertThat(RetryPolicy.retryable(GatewayError.of(ErrorType.CANCELLED, "gone"))).isFalse();
  }
}
