package dev.sluice.server.config;

import dev.sluice.policy.BreakerSettings;
import dev.sluice.policy.RetryPolicy;
import dev.sluice.provider.sim.SimConfig;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Everything the gateway is configured with. Built by {@link ConfigLoader} from defaults, then
 * {@code sluice.yaml}, then environment variables, then command-line flags, later ones winning.
 *
 * @param openAiApiKey enables provider {@code openai}; never logged
 * @param heartbeat how often a {@code : ping} comment goes out while the stream waits; zero disables
 * @param writeTimeout how long a client may accept nothing before it is disconnected
 * @param maxBodyBytes the largest request body accepted (413 beyond)
 * @param aliases model alias to target
 * @param anthropicApiKey enables provider {@code anthropic}; never logged
 * @param anthropicBaseUrl the Anthropic API root without {@code /v1}, as the SDKs' {@code ANTHROPIC_BASE_URL}
 * @param clientSendBufferBytes the kernel send buffer of each client connection (0: the OS's autotuning)
 * @param upstreamReceiveBufferBytes the kernel receive buffer of each upstream connection (0: autotuning);
 *     both bound the bytes a stalled stream leaves in flight, which loopback autotuning lets reach MiBs
 * @param retry retries of one model before its first token
 * @param circuitBreaker the per-model circuit breakers
 * @param modelPolicies per alias: fallbacks and deadlines (aliases without either are absent)
 * @param resume grace period, retention and size cap of browser streams' replay logs
 * @param redis shared state across instances, or {@link RedisSettings#NONE}
 * @param drainTimeout on stop, how long open streams may run on before they are ended with an error
 * @param accounting the ledger, prices and virtual-key auth
 * @param caps open connections, and model requests in flight per virtual key and per client address
 * @param edge the origins and host names served besides the gateway's own (cross-site checks)
 */
public record SluiceConfig(
    String host,
    int port,
    String openAiApiKey,
    URI openAiBaseUrl,
    List<String> openAiModels,
    List<CompatibleProvider> providers,
    SimConfig sim,
    Timeouts timeouts,
    Duration heartbeat,
    Duration writeTimeout,
    long maxBodyBytes,
    Map<String, String> aliases,
    String anthropicApiKey,
    URI anthropicBaseUrl,
    List<String> anthropicModels,
    int clientSendBufferBytes,
    int upstreamReceiveBufferBytes,
    RetryPolicy retry,
    BreakerSettings circuitBreaker,
    Map<String, ModelPolicy> modelPolicies,
    ResumeSettings resume,
    RedisSettings redis,
    Duration drainTimeout,
    Accounting accounting,
    Caps caps,
    EdgeSettings edge) {

  public static final List<String> OPENAI_MODELS = List.of(
      "gpt-5", "gpt-5-mini", "gpt-5-nano", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "gpt-4o", "gpt-4o-mini",
      "o3", "o3-mini", "o4-mini");

  public static final List<String> ANTHROPIC_MODELS = List.of(
      "claude-opus-4-1", "claude-opus-4-0", "claude-sonnet-4-5", "claude-sonnet-4-0", "claude-haiku-4-5",
      "claude-3-5-haiku-latest");

  public SluiceConfig {
    providers = List.copyOf(providers);
    anthropicModels = List.copyOf(anthropicModels);
    openAiModels = List.copyOf(openAiModels);
    aliases = Map.copyOf(aliases);
    modelPolicies = Map.copyOf(modelPolicies);
  }

  /** The deadlines of a request for {@code model} as the client named it: its alias's, else the global ones. */
  public Timeouts timeoutsFor(String model) {
    ModelPolicy policy = modelPolicies.get(model);
    return policy == null ? timeouts : policy.timeouts();
  }

  /** The defaults: loopback, port 8080, sim only, the contract's timeouts. */
  public static SluiceConfig defaults() {
    return new Builder().build();
  }

  public Builder toBuilder() {
    var b = new Builder();
    b.host = host;
    b.port = port;
    b.openAiApiKey = openAiApiKey;
    b.openAiBaseUrl = openAiBaseUrl;
    b.openAiModels = openAiModels;
    b.providers = providers;
    b.sim = sim;
    b.timeouts = timeouts;
    b.heartbeat = heartbeat;
    b.writeTimeout = writeTimeout;
    b.maxBodyBytes = maxBodyBytes;
    b.aliases = aliases;
    b.anthropicApiKey = anthropicApiKey;
    b.anthropicBaseUrl = anthropicBaseUrl;
    b.anthropicModels = anthropicModels;
    b.clientSendBufferBytes = clientSendBufferBytes;
    b.upstreamReceiveBufferBytes = upstreamReceiveBufferBytes;
    b.retry = retry;
    b.circuitBreaker = circuitBreaker;
    b.modelPolicies = modelPolicies;
    b.resume = resume;
    b.redis = redis;
    b.drainTimeout = drainTimeout;
    b.accounting = accounting;
    b.caps = caps;
    b.edge = edge;
    return b;
  }

  /** Starts from the defaults. */
  public static final class Builder {
    private String host = "127.0.0.1";
    private int port = 8080;
    private String openAiApiKey;
    private URI openAiBaseUrl = URI.create("https://api.openai.com/v1");
    private List<String> openAiModels = OPENAI_MODELS;
    private List<CompatibleProvider> providers = List.of();
    private SimConfig sim = SimConfig.DEFAULT;
    private Timeouts timeouts = Timeouts.DEFAULT;
    private Duration heartbeat = Duration.ofSeconds(2);
    private Duration writeTimeout = Duration.ofSeconds(30);
    private long maxBodyBytes = 4L * 1024 * 1024;
    private Map<String, String> aliases = Map.of();
    private int clientSendBufferBytes = 64 * 1024;
    private int upstreamReceiveBufferBytes = 64 * 1024;
    private String anthropicApiKey;
    private URI anthropicBaseUrl = URI.create("https://api.anthropic.com");
    private List<String> anthropicModels = ANTHROPIC_MODELS;
    private RetryPolicy retry = RetryPolicy.DEFAULT;
    private BreakerSettings circuitBreaker = BreakerSettings.DEFAULT;
    private Map<String, ModelPolicy> modelPolicies = Map.of();
    private ResumeSettings resume = ResumeSettings.DEFAULT;
    private RedisSettings redis = RedisSettings.NONE;
    private Duration drainTimeout = Duration.ofSeconds(20);
    private Accounting accounting = Accounting.DEFAULT;
    private Caps caps = Caps.DEFAULT;
    private EdgeSettings edge = EdgeSettings.DEFAULT;

    public Builder host(String value) { host = value; return this; }
    public Builder port(int value) { port = value; return this; }
    public Builder openAi(String apiKey, URI baseUrl) { openAiApiKey = apiKey; openAiBaseUrl = baseUrl; return this; }
    public Builder openAiModels(List<String> value) { openAiModels = value; return this; }
    public Builder providers(List<CompatibleProvider> value) { providers = value; return this; }
    public Builder sim(SimConfig value) { sim = value; return this; }
    public Builder timeouts(Timeouts value) { timeouts = value; return this; }
    public Builder heartbeat(Duration value) { heartbeat = value; return this; }
    public Builder writeTimeout(Duration value) { writeTimeout = value; return this; }
    public Builder maxBodyBytes(long value) { maxBodyBytes = value; return this; }
    public Builder aliases(Map<String, String> value) { aliases = value; return this; }
    public Builder socketBuffers(int clientSend, int upstreamReceive) {
      clientSendBufferBytes = clientSend;
      upstreamReceiveBufferBytes = upstreamReceive;
      return this;
    }
    public Builder anthropic(String apiKey, URI baseUrl) { anthropicApiKey = apiKey; anthropicBaseUrl = baseUrl; return this; }
    public Builder anthropicModels(List<String> value) { anthropicModels = value; return this; }
    public Builder retry(RetryPolicy value) { retry = value; return this; }
    public Builder circuitBreaker(BreakerSettings value) { circuitBreaker = value; return this; }
    public Builder modelPolicies(Map<String, ModelPolicy> value) { modelPolicies = value; return this; }
    public Builder resume(ResumeSettings value) { resume = value; return this; }
    public Builder redis(RedisSettings value) { redis = value; return this; }
    public Builder drainTimeout(Duration value) { drainTimeout = value; return this; }
    public Builder accounting(Accounting value) { accounting = value; return this; }
    public Builder caps(Caps value) { caps = value; return this; }
    public Builder edge(EdgeSettings value) { edge = value; return this; }

    public SluiceConfig build() {
      return new SluiceConfig(host, port, openAiApiKey, openAiBaseUrl, openAiModels, providers, sim, timeouts,
          heartbeat, writeTimeout, maxBodyBytes, aliases, anthropicApiKey, anthropicBaseUrl, anthropicModels,
          clientSendBufferBytes, upstreamReceiveBufferBytes, retry, circuitBreaker, modelPolicies,
          resume, redis, drainTimeout, accounting, caps, edge);
    }
  }

  /** A rendering safe for logs: the key is shown only as set or not. */
  @Override
  public String toString() {
    return "SluiceConfig[host=" + host + ", port=" + port + ", openai=" + (openAiApiKey == null ? "off" : "on")
        + ", openAiBaseUrl=" + openAiBaseUrl + ", anthropic=" + (anthropicApiKey == null ? "off" : "on")
        + ", anthropicBaseUrl=" + anthropicBaseUrl + ", providers=" + providers + ", sim=" + sim + ", timeouts=" + timeouts
        + ", heartbeat=" + heartbeat + ", writeTimeout=" + writeTimeout + ", maxBodyBytes=" + maxBodyBytes
        + ", aliases=" + aliases + ", clientSendBufferBytes=" + clientSendBufferBytes
        + ", upstreamReceiveBufferBytes=" + upstreamReceiveBufferBytes + ", retry=" + retry
        + ", circuitBreaker=" + circuitBreaker + ", modelPolicies=" + modelPolicies + ", resume=" + resume + ", redis=" + redis
        + ", drainTimeout=" + drainTimeout + ", accounting=" + accounting + ", caps=" + caps + ", edge=" + edge + "]";
  }
}
