package dev.sluice.server.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code sluice.yaml} holds, as {@link ConfigFileReader} binds it: every key optional, an
 * absent one (null) keeping what the builder had.
 */
record ConfigFile(List<ProviderEntry> providers, TimeoutsSection timeouts, RetrySection retry,
    BreakerSection circuitBreaker, Map<String, ModelEntry> models, Map<String, PriceEntry> prices, SimSection sim,
    ServerSection server, ResumeSection resume, RedisSection redis) {

  void applyTo(SluiceConfig.Builder b) {
    SluiceConfig current = b.build();
    // Per-alias deadlines start from the global ones, whatever the order of the keys in the file.
    Timeouts global = timeouts == null ? current.timeouts() : timeouts.over(current.timeouts(), "timeouts");
    b.timeouts(global);
    if (providers != null) b.providers(ProviderEntry.all(providers));
    if (retry != null) b.retry(retry.over(current.retry()));
    if (circuitBreaker != null) b.circuitBreaker(circuitBreaker.over(current.circuitBreaker()));
    if (models != null) {
      var aliases = new LinkedHashMap<String, String>();
      var policies = new LinkedHashMap<String, ModelPolicy>();
      ModelEntry.all(models, global, aliases, policies);
      b.aliases(aliases).modelPolicies(policies);
    }
    if (sim != null) b.sim(sim.over(current.sim()));
    if (resume != null) b.resume(resume.over(current.resume()));
    if (redis != null) b.redis(redis.over(current.redis()));
    if (prices != null) b.accounting(current.accounting().withPrices(PriceEntry.all(prices)));
    if (server != null) server.applyTo(b);
  }
}
