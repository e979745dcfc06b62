package io.conceptrank.config;

import jakarta.validation.constraints.Min;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The {@code conceptrank.jobs:} settings.
 *
 * @param workers       jobs that run at once; 1 by default because one training already uses every core
 * @param shutdownGrace how long shutdown waits for running jobs to stop (they resume on the next start)
 */
@Validated
@ConfigurationProperties("conceptrank.jobs")
public record JobsProperties(
        @DefaultValue("1") @Min(1) int workers,
        @DefaultValue("10s") Duration shutdownGrace) {
}
