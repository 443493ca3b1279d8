package dev.sluice.route;

import dev.sluice.provider.Provider;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.GatewayException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Resolves the model a client names to a live provider and the upstream's model name.
 *
 * <p>Rules, in order: an alias from configuration is replaced by its target; {@code provider/model}
 * goes to that provider with the prefix removed; a bare name that a configured provider lists goes
 * there; bare {@code gpt-*}, {@code o1*}, {@code o3*}, {@code o4*} and {@code chatgpt-*} go to
 * {@code openai} and {@code claude-*} to {@code anthropic}. A model no live provider serves is a
 * {@link ErrorType#NOT_FOUND} error. Immutable and thread-safe.
 */
public final class ModelRouter {
  private final Map<String, Provider> providers;
  private final Map<String, String> aliases;

  /**
   * @param providers the live providers (a provider without its key is simply absent)
   * @param aliases alias name to target ({@code provider/model} or a bare name)
   */
  public ModelRouter(List<Provider> providers, Map<String, String> aliases) {
    var byName = new LinkedHashMap<String, Provider>();
    for (Provider p : providers) {
      if (byName.putIfAbsent(p.name(), p) != null) {
        throw new IllegalArgumentException("two providers are named '" + p.name() + "'");
      }
    }
    this.providers = Map.copyOf(byName);
    this.aliases = Map.copyOf(aliases);
    for (var alias : this.aliases.entrySet()) {
      if (this.aliases.containsKey(alias.getValue())) {
        throw new IllegalArgumentException("alias '" + alias.getKey() + "' points at another alias");
      }
    }
  }

  public Route resolve(String model) throws GatewayException {
    String target = aliases.getOrDefault(model, model);
    int slash = target.indexOf('/');
    if (slash > 0) {
      String providerName = target.substring(0, slash);
      String upstreamModel = target.substring(slash + 1);
      Provider provider = providers.get(providerName);
      if (provider == null) {
        throw notFound(model, "provider '" + providerName + "' is not configured" + keyHint(providerName));
      }
      if (upstreamModel.isEmpty() || !provider.serves(upstreamModel)) {
        throw notFound(model, "provider '" + providerName + "' serves " + String.join(", ", provider.models()));
      }
      return new Route(provider, upstreamModel);
    }
    for (Provider p : providers.values()) {
      if (p.models().contains(target) && !isBuiltIn(p.name())) return new Route(p, target);
    }
    String family = familyOf(target);
    if (family == null) throw notFound(model, "use provider/model, e.g. sim/chat or openai/gpt-4o-mini");
    Provider provider = providers.get(family);
    if (provider == null) throw notFound(model, "provider '" + family + "' is not configured" + keyHint(family));
    return new Route(provider, target);
  }

  /** Every routable model as {@code provider/model}, then the aliases, in a stable order. */
  public List<String> routableModels() {
    var names = new ArrayList<String>();
    providers.values().stream()
        .sorted((a, b) -> a.name().compareTo(b.name()))
        .forEach(p -> p.models().forEach(m -> names.add(p.name() + "/" + m)));
    aliases.keySet().stream().sorted().forEach(names::add);
    return names;
  }

  public List<Provider> providers() {
    return List.copyOf(providers.values());
  }

  private static boolean isBuiltIn(String name) {
    return name.equals("sim");
  }

  private static String familyOf(String bare) {
    if (bare.startsWith("gpt-") || bare.startsWith("o1") || bare.startsWith("o3") || bare.startsWith("o4")
        || bare.startsWith("chatgpt-")) {
      return "openai";
    }
    if (bare.startsWith("claude-")) return "anthropic";
    return null;
  }

  private static String keyHint(String provider) {
    return switch (provider) {
      case "openai" -> " (set OPENAI_API_KEY)";
      case "anthropic" -> " (set ANTHROPIC_API_KEY)";
      default -> "";
    };
  }

  private static GatewayException notFound(String model, String why) {
    String shown = model.length() > 200 ? model.substring(0, 200) + "..." : model;
    return new GatewayException(new GatewayError(ErrorType.NOT_FOUND,
        "The model '" + shown + "' does not exist or is not served here: " + why + ".", "model",
        "model_not_found", 0, null));
  }
}
