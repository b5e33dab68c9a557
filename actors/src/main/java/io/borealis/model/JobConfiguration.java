package io.borealis.model;

import java.util.Optional;

/**
 * A whole job as submitted: its key, the task every instance runs, how many instances, how updates
 * roll out, and an optional cron schedule.
 */
public record JobConfiguration(
    JobKey key,
    int instances,
    TaskConfig task,
    UpdateSettings updateConfig,
    Optional<String> cronSchedule,
    CronCollisionPolicy cronCollisionPolicy) {}
