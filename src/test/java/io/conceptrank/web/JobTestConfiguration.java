package io.conceptrank.web;

import io.conceptrank.job.TestJobHandlers;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;

/** The test job handlers as beans, for server tests that {@code @Import} this. */
@TestConfiguration(proxyBeanMethods = false)
public class JobTestConfiguration {

    @Bean
    TestJobHandlers.Sleep sleepJobHandler() {
        return new TestJobHandlers.Sleep();
    }

    @Bean
    TestJobHandlers.Gate gateJobHandler() {
        return new TestJobHandlers.Gate();
    }

    @Bean
    TestJobHandlers.Fail failJobHandler() {
        return new TestJobHandlers.Fail();
    }
}
