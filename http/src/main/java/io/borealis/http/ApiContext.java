package io.borealis.http;

import io.borealis.backend.FleetControl;
import io.borealis.job.JobService;
import io.borealis.model.ValidationSettings;
import io.borealis.persistence.ReadView;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BooleanSupplier;

/** What the routes work with: the write side, the read side and the node's settings. */
public record ApiContext(
    JobService jobs,
    ReadView view,
    Optional<FleetControl> fleet,
    ValidationSettings validation,
    HttpSettings settings,
    ScheduledExecutorService timer,
    BooleanSupplier ready) {}
