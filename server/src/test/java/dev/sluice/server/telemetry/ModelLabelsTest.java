package dev.sluice.server.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ModelLabelsTest {
  @Test
  void decidesEachModelsLabelOnceHoweverManyRequestsFinish() {
    var asked = new ConcurrentHashMap<String, AtomicInteger>();
    var labels = new ModelLabels(model -> {
      asked.computeIfAbsent(model, m -> new AtomicInteger()).incrementAndGet();
      return model.startsWith("openai/");
    });
    for (int i = 0; i < 1_000; i++) {
      assertThat(labels.of("openai/gpt-4o-2024-08-06")).isEqualTo("openai/gpt-4o-2024-08-06");
      assertThat(labels.of("acme/made-up")).isEqualTo(Telemetry.OTHER_MODEL);
    }
    assertThat(asked.get("openai/gpt-4o-2024-08-06")).hasValue(1);
    assertThat(asked.get("acme/made-up")).hasValue(1);
  }

  @Test
  void labelsAMissingModelNoneWithoutAsking() {
    var labels = new ModelLabels(model -> {
      throw new AssertionError("asked about " + model);
    });
    assertThat(labels.of(null)).isEqualTo(Telemetry.NONE);
    assertThat(labels.of(Telemetry.NONE)).isEqualTo(Telemetry.NONE);
  }

  @Test
  void remembersABoundedNumberOfNamesWhenCallersInventThem() {
    var labels = new ModelLabels(model -> false);
    for (int i = 0; i < ModelLabels.MAX_NAMES * 5; i++) {
      assertThat(labels.of("acme/invented-" + i)).isEqualTo(Telemetry.OTHER_MODEL);
    }
    assertThat(labels.remembered()).isLessThanOrEqualTo(ModelLabels.MAX_NAMES);
  }
}
