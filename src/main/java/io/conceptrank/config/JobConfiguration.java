package io.conceptrank.config;

import io.conceptrank.job.JobHandler;
import io.conceptrank.job.JobQueue;
import io.conceptrank.job.JobStore;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

/** The job queue, run by every {@link JobHandler} bean, its jobs kept in {@code <data-dir>/jobs/}. */
@Configuration(proxyBeanMethods = false)
public class JobConfiguration {

    @Bean(initMethod = "start", destroyMethod = "close")
    public JobQueue jobQueue(ConceptRankProperties properties, JobsProperties jobs, ObjectProvider<JobHandler> handlers,
            JsonMapper json) {
        JobStore store = new JobStore(properties.dataDir().resolve("jobs"), json);
        return new JobQueue(store, handlers.orderedStream().toList(), jobs.workers(), json, Clock.systemUTC(),
                jobs.shutdownGrace());
    }
}
