package dev.sluice.server.config;

/** {@code redis:}: shared state across instances. */
record RedisSection(String url, String onFailure) {
  RedisSettings over(RedisSettings base) {
    return new RedisSettings(url == null ? base.url() : Checks.redisUrl(url, "redis.url"),
        onFailure == null ? base.onFailure() : switch (onFailure) {
          case "closed" -> RedisSettings.OnFailure.CLOSED;
          case "open" -> RedisSettings.OnFailure.OPEN;
          default -> throw new ConfigException("redis.on_failure: expected closed or open");
        });
  }
}
