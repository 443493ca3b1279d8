package dev.sluice.server.config;

import java.time.Duration;

/** {@code resume:}: how browser streams outlive their connection, and the memory their logs may hold. */
record ResumeSection(Duration grace, Duration retention, Long logBytes, Long maxTotalLogBytes) {
  ResumeSettings over(ResumeSettings base) {
    try {
      return new ResumeSettings(grace == null ? base.grace() : grace, retention == null ? base.retention() : retention,
          logBytes == null ? base.logBytes() : logBytes,
          maxTotalLogBytes == null ? base.maxTotalLogBytes() : maxTotalLogBytes);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("resume: " + e.getMessage());
    }
  }
}
