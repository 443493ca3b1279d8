package dev.sluice.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.provider.EventStream;
import dev.sluice.provider.Provider;
import dev.sluice.provider.sim.SimConfig;
import dev.sluice.provider.sim.SimProvider;
import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.GatewayException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelRouterTest {
  record Named(String name, List<String> models) implements Provider {
    @Override
    public EventStream stream(ChatRequest request) {
      throw new AssertionError("routing never opens a stream");
    }
  }

  final Provider sim = new SimProvider(SimConfig.DEFAULT);
  final Provider openai = new Named("openai", List.of("gpt-4o"));
  final Provider ollama = new Named("ollama", List.of("llama3.2"));

  @Test
  void sendsPrefixedModelsToTheirProviderWithoutThePrefix() throws Exception {
    var router = new ModelRouter(List.of(sim, openai, ollama), Map.of());
    assertThat(router.resolve("openai/gpt-4o-mini")).isEqualTo(new Route(openai, "gpt-4o-mini"));
    assertThat(router.resolve("sim/echo")).isEqualTo(new Route(sim, "echo"));
    assertThat(router.resolve("ollama/some/nested:tag").upstreamModel()).isEqualTo("some/nested:tag");
  }

  @Test
  void sendsBareOpenAiFamiliesToOpenAi() throws Exception {
    var router = new ModelRouter(List.of(sim, openai), Map.of());
    for (String bare : List.of("gpt-4o", "o1", "o3-mini", "o4-mini", "chatgpt-4o-latest")) {
      assertThat(router.resolve(bare)).isEqualTo(new Route(openai, bare));
    }
  }

  @Test
  void sendsBareNamesAConfiguredProviderListsToIt() throws Exception {
    var router = new ModelRouter(List.of(sim, openai, ollama), Map.of());
    assertThat(router.resolve("llama3.2")).isEqualTo(new Route(ollama, "llama3.2"));
  }

  @Test
  void replacesAliasesByTheirTarget() throws Exception {
    var router = new ModelRouter(List.of(sim, openai), Map.of("fast", "openai/gpt-4o-mini", "toy", "sim/echo"));
    assertThat(router.resolve("fast")).isEqualTo(new Route(openai, "gpt-4o-mini"));
    assertThat(router.resolve("toy").qualifiedModel()).isEqualTo("sim/echo");
    assertThat(router.routableModels()).contains("sim/chat", "openai/gpt-4o", "fast", "toy");
  }

  @Test
  void answersNotFoundForModelsNoLiveProviderServes() {
    var router = new ModelRouter(List.of(sim), Map.of());
    for (String model : List.of("gpt-4o", "claude-sonnet-4-5", "openai/gpt-4o", "mystery", "sim/nothing", "sim/")) {
      assertThatThrownBy(() -> router.resolve(model))
          .isInstanceOfSatisfying(GatewayException.class, e -> {
            assertThat(e.error().type()).isEqualTo(ErrorType.NOT_FOUND);
            assertThat(e.error().param()).isEqualTo("model");
            assertThat(e.error().code()).isEqualTo("model_not_found");
          });
    }
    assertThatThrownBy(() -> router.resolve("gpt-4o")).hasMessageContaining("OPENAI_API_KEY");
  }

  @Test
  void refusesTwoProvidersOfOneNameAndAliasChains() {
    assertThatThrownBy(() -> new ModelRouter(List.of(openai, new Named("openai", List.of())), Map.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ModelRouter(List.of(sim), Map.of("a", "b", "b", "sim/echo")))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
